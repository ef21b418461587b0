// Logging: spdlog's default logger, human-readable or JSON lines.
// Log with spdlog::info("conv={} seq={} ...", ...): ids as key=value pairs.
#pragma once

#include <string_view>

namespace kefu {

// level: trace|debug|info|warn|error|off. json: one JSON object per line
// {"ts","level","msg"}. Safe to call more than once.
void InitLogging(std::string_view level, bool json);

}  // namespace kefu
