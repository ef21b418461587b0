#include "core/crypto.h"

#include <sodium.h>

namespace kefu::crypto {

bool Init() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string RandomToken(std::string_view prefix) {
  Init();
  unsigned char buf[32];
  randombytes_buf(buf, sizeof buf);
  char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, buf, sizeof buf,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string out(prefix);
  out += b64;
  return out;
}

static std::string ToHex(const unsigned char* p, size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), p, n);
  hex.pop_back();
  return hex;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size());
  return ToHex(out, sizeof out);
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  Init();
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(
      &st, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&st, out);
  return ToHex(out, sizeof out);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::string> HashPassword(std::string_view password) {
  Init();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Status::Internal("argon2id: out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  Init();
  std::string h(hash);  // needs NUL termination
  return crypto_pwhash_str_verify(h.c_str(), password.data(),
                                  password.size()) == 0;
}

}  // namespace kefu::crypto
