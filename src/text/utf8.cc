// UTF-8 helpers and the names of scripts and variants.
#include <cstdint>

#include "text/text.h"

namespace kefu::text {

std::string_view ScriptName(Script s) {
  switch (s) {
    case Script::kNone:
      return "none";
    case Script::kSimplified:
      return "hans";
    case Script::kTraditional:
      return "hant";
  }
  return "none";
}

std::string_view VariantName(Variant v) {
  switch (v) {
    case Variant::kSimplified:
      return "zh-CN";
    case Variant::kTraditional:
      return "zh-Hant";
    case Variant::kHongKong:
      return "zh-HK";
    case Variant::kTaiwan:
      return "zh-TW";
  }
  return "zh-CN";
}

Variant VariantFor(Script script) {
  return script == Script::kTraditional ? Variant::kTraditional : Variant::kSimplified;
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    }
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80)
        ok = false;
      else
        cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    if (ok) {
      static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD
      ++i;
    }
  }
  return out;
}

}  // namespace kefu::text
