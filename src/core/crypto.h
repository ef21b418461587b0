// Secrets: random tokens, SHA-256 for API keys and tokens (fast to check on
// every request), argon2id for passwords (slow on purpose). libsodium.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace kefu::crypto {

// Initialises libsodium; idempotent, thread-safe. Returns false if it cannot.
bool Init();

// 32 random bytes, URL-safe base64 without padding, after `prefix`
// ("kf_live_" + 43 chars). 256 bits of entropy.
std::string RandomToken(std::string_view prefix);

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// HMAC-SHA256 of `data` with `key`, lowercase hex.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// Constant-time comparison of two strings of any length.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// argon2id (libsodium's interactive limits by default). The result is the
// self-describing "$argon2id$..." string.
Result<std::string> HashPassword(std::string_view password);
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace kefu::crypto
