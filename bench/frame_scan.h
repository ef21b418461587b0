// Reads the few top-level fields of a widget frame that the benchmark tools
// need, without building a JSON DOM: the load generator and the bare echo
// server handle tens of thousands of frames a second on the same two cores as
// the server under test, so a full parse per frame would distort the numbers.
//
// Header-only, no Boost. Thread-compatible (pure functions).
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace kefu::bench {

// The fields of interest. String fields hold the raw JSON string contents
// (escapes left as they are, quotes removed); they point into the scanned
// text and live as long as it does. Absent fields stay empty / -1 / false.
struct FrameFields {
  std::string_view type;
  std::string_view client_id;
  std::string_view sender;
  std::string_view code;
  std::string_view text;  // raw, still escaped: can be copied into JSON as is
  int64_t seq = -1;
  int64_t conversation = -1;
  int64_t retry_after_ms = -1;
  bool duplicate = false;
};

namespace detail {

inline void SkipSpace(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
}

// REQUIRES: s[i] == '"'. Leaves i after the closing quote; returns the
// contents. False when the string is not terminated.
inline bool ReadString(std::string_view s, size_t& i, std::string_view& out) {
  size_t start = ++i;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\') {
      i += 2;
      continue;
    }
    if (c == '"') {
      out = s.substr(start, i - start);
      ++i;
      return true;
    }
    ++i;
  }
  return false;
}

// Skips one nested object or array starting at s[i] ('{' or '[').
inline bool SkipNested(std::string_view s, size_t& i) {
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      std::string_view ignored;
      if (!ReadString(s, i, ignored)) return false;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (--depth == 0) {
        ++i;
        return true;
      }
    }
    ++i;
  }
  return false;
}

}  // namespace detail

// Scans a JSON object's top-level members into `f`. Returns false when the
// text is not a well-formed-looking object (the scan is lenient about
// scalars: it does not validate numbers or literals it does not need).
inline bool ScanFrame(std::string_view s, FrameFields& f) {
  using detail::ReadString;
  using detail::SkipNested;
  using detail::SkipSpace;
  f = FrameFields{};
  size_t i = 0;
  SkipSpace(s, i);
  if (i >= s.size() || s[i] != '{') return false;
  ++i;
  SkipSpace(s, i);
  if (i < s.size() && s[i] == '}') return true;
  while (i < s.size()) {
    SkipSpace(s, i);
    if (i >= s.size() || s[i] != '"') return false;
    std::string_view key;
    if (!ReadString(s, i, key)) return false;
    SkipSpace(s, i);
    if (i >= s.size() || s[i] != ':') return false;
    ++i;
    SkipSpace(s, i);
    if (i >= s.size()) return false;
    char c = s[i];
    if (c == '"') {
      std::string_view value;
      if (!ReadString(s, i, value)) return false;
      if (key == "type") {
        f.type = value;
      } else if (key == "client_id") {
        f.client_id = value;
      } else if (key == "sender") {
        f.sender = value;
      } else if (key == "code") {
        f.code = value;
      } else if (key == "text") {
        f.text = value;
      }
    } else if (c == '{' || c == '[') {
      if (!SkipNested(s, i)) return false;
    } else {
      size_t start = i;
      while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ' ' && s[i] != '\n' &&
             s[i] != '\t' && s[i] != '\r') {
        ++i;
      }
      std::string_view value = s.substr(start, i - start);
      auto as_int = [&](int64_t& out) {
        int64_t v = 0;
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec == std::errc()) out = v;
      };
      if (key == "seq") {
        as_int(f.seq);
      } else if (key == "conversation") {
        as_int(f.conversation);
      } else if (key == "retry_after_ms") {
        as_int(f.retry_after_ms);
      } else if (key == "duplicate") {
        f.duplicate = (value == "true");
      }
    }
    SkipSpace(s, i);
    if (i >= s.size()) return false;
    if (s[i] == ',') {
      ++i;
      continue;
    }
    if (s[i] == '}') return true;
    return false;
  }
  return false;
}

// Appends `s` to `out` as the contents of a JSON string (no quotes added).
inline void AppendJsonEscaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

}  // namespace kefu::bench
