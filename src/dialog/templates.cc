#include "dialog/templates.h"

#include <cstdio>

namespace kefu::dialog {
namespace {

bool IsNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// A slot reference: names joined by '.'.
bool ValidSlotRef(std::string_view s) {
  if (s.empty()) return false;
  bool part_start = true;
  for (char c : s) {
    if (c == '.') {
      if (part_start) return false;
      part_start = true;
    } else if (IsNameChar(c)) {
      part_start = false;
    } else {
      return false;
    }
  }
  return !part_start;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string JsonEscape(std::string_view s) {
  std::string quoted = Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

// Calls f(literal text) and g(slot name) over a template, in order.
// Returns false on a malformed template (after calling f/g for what came before).
template <typename Literal, typename Slot>
bool Scan(std::string_view text, Literal f, Slot g, std::string* error) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      f(text.substr(pos));
      return true;
    }
    f(text.substr(pos, open - pos));
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      if (error) *error = "`{{` without `}}`";
      return false;
    }
    std::string_view name = Trim(text.substr(open + 2, close - open - 2));
    if (!ValidSlotRef(name)) {
      if (error) {
        *error = "`{{" + std::string(text.substr(open + 2, close - open - 2)) +
                 "}}`: a slot name is lower-case letters, digits and _ (a field: order.status)";
      }
      return false;
    }
    g(name);
    pos = close + 2;
  }
  return true;
}

}  // namespace

Result<std::vector<std::string>> TemplateSlots(std::string_view text) {
  std::vector<std::string> slots;
  std::string error;
  if (!Scan(
          text, [](std::string_view) {}, [&](std::string_view n) { slots.emplace_back(n); },
          &error)) {
    return Status::InvalidArgument(error);
  }
  return slots;
}

std::string RenderValue(const Json& v, std::string_view language) {
  switch (v.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return "";
    case Json::value_t::string:
      return v.get<std::string>();
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return v.dump();
    case Json::value_t::number_float: {
      double d = v.get<double>();
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.15g", d);
      return buf;
    }
    case Json::value_t::array: {
      std::string out;
      std::string sep = language == "zh" ? "、" : ", ";
      for (const auto& item : v) {
        std::string s = RenderValue(item, language);
        if (s.empty()) continue;
        if (!out.empty()) out += sep;
        out += s;
      }
      return out;
    }
    case Json::value_t::object: {
      auto it = v.find(std::string(language));
      if (it != v.end()) return RenderValue(*it, language);
      return v.dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    case Json::value_t::binary:
      return "";
  }
  return "";
}

std::string RenderTemplate(std::string_view text, const Json& slots, std::string_view language,
                           Escape escape) {
  std::string out;
  bool ok = Scan(
      text, [&](std::string_view lit) { out += lit; },
      [&](std::string_view name) {
        std::string v = RenderValue(LookupPath(slots, name), language);
        switch (escape) {
          case Escape::kNone:
            out += v;
            break;
          case Escape::kUrl:
            out += UrlEncode(v);
            break;
          case Escape::kJson:
            out += JsonEscape(v);
            break;
        }
      },
      nullptr);
  if (!ok) return std::string(text);
  return out;
}

bool ValidJsonPath(std::string_view path) {
  if (path.empty()) return false;
  size_t i = 0;
  while (i < path.size()) {
    size_t start = i;
    while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
    if (i == start) return false;
    for (size_t k = start; k < i; ++k) {
      char c = path[k];
      if (!(IsNameChar(c) || (c >= 'A' && c <= 'Z') || c == '-')) return false;
    }
    while (i < path.size() && path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos || close == i + 1) return false;
      std::string_view idx = path.substr(i + 1, close - i - 1);
      if (idx != "*" && idx.find_first_not_of("0123456789") != std::string_view::npos) return false;
      i = close + 1;
    }
    if (i < path.size()) {
      if (path[i] != '.' || i + 1 == path.size()) return false;
      ++i;
    }
  }
  return true;
}

Json LookupPath(const Json& root, std::string_view path) {
  const Json* cur = &root;
  size_t i = 0;
  while (i < path.size()) {
    size_t start = i;
    while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
    std::string key(path.substr(start, i - start));
    if (!key.empty()) {
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(key);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    }
    while (i < path.size() && path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos) return nullptr;
      std::string_view idx = path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (!cur->is_array()) return nullptr;
      if (idx == "*") {
        std::string_view rest =
            i < path.size() && path[i] == '.' ? path.substr(i + 1) : path.substr(i);
        Json out = Json::array();
        for (const auto& item : *cur) out.push_back(rest.empty() ? item : LookupPath(item, rest));
        return out;
      }
      size_t n = 0;
      for (char c : idx) {
        if (c < '0' || c > '9') return nullptr;
        n = n * 10 + static_cast<size_t>(c - '0');
      }
      if (n >= cur->size()) return nullptr;
      cur = &(*cur)[n];
    }
    if (i < path.size() && path[i] == '.') ++i;
  }
  return *cur;
}

}  // namespace kefu::dialog
