// Signed-in users: the console's session cookie and bearer session tokens.
// A session token ("ks_…", 256 bits) is shown once, at login; the store
// keeps its SHA-256 only. Browsers carry it in an HttpOnly, SameSite=Strict
// cookie; scripts and tests may send it as `Authorization: Bearer ks_…`.
#pragma once

#include <boost/beast/http.hpp>
#include <string>

#include "core/status.h"
#include "server/context.h"
#include "store/store.h"

namespace kefu::server {

inline constexpr char kSessionCookie[] = "kefu_session";
inline constexpr char kSessionPrefix[] = "ks_";

// The session token a request carries (bearer first, then the cookie), or "".
std::string SessionToken(const boost::beast::http::fields& headers);

// The signed-in user of a request. Errors: Unauthenticated (no session, an
// unknown, forged or expired one), the store's.
Result<store::User> SessionUser(const boost::beast::http::fields& headers, Context& ctx);

// Set-Cookie values: the session, and its removal.
std::string SessionCookieHeader(const std::string& token, int64_t max_age_s);
std::string ClearSessionCookieHeader();

}  // namespace kefu::server
