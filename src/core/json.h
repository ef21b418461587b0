// JSON helpers (nlohmann::json) with precise errors for bad input.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/status.h"

namespace kefu {

using Json = nlohmann::json;

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Parses a JSON object. Errors: InvalidUtf8 (bytes are not UTF-8),
// InvalidJson (syntax error, with the byte offset; or not an object).
Result<Json> ParseJsonObject(std::string_view text);

// Dumps with invalid UTF-8 replaced (never throws).
std::string DumpJson(const Json& j);

}  // namespace kefu
