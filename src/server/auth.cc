#include "server/auth.h"

#include <fmt/format.h>

#include "core/crypto.h"

namespace kefu::server {

namespace http = boost::beast::http;

std::string SessionToken(const http::fields& headers) {
  constexpr std::string_view kBearer = "Bearer ";
  auto authz = headers[http::field::authorization];
  if (authz.starts_with(kBearer) && authz.substr(kBearer.size()).starts_with(kSessionPrefix)) {
    return std::string(authz.substr(kBearer.size()));
  }
  // Cookie: a=b; kefu_session=ks_...; c=d
  std::string_view cookies = headers[http::field::cookie];
  while (!cookies.empty()) {
    size_t semi = cookies.find(';');
    std::string_view part = cookies.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == kSessionCookie) {
      return std::string(part.substr(eq + 1));
    }
    if (semi == std::string_view::npos) break;
    cookies.remove_prefix(semi + 1);
  }
  return "";
}

Result<store::User> SessionUser(const http::fields& headers, Context& ctx) {
  const std::string token = SessionToken(headers);
  if (token.empty() || token.size() > 128) {
    return Status::Unauthenticated("sign in first (no session)");
  }
  auto session = ctx.store->FindSession(crypto::Sha256Hex(token), ctx.clock->NowMillis());
  if (!session.ok()) {
    if (session.status().code() == Code::kNotFound) {
      return Status::Unauthenticated("the session is unknown or has expired: sign in again");
    }
    return session.status();
  }
  auto user = ctx.store->GetUser(session->tenant_id, session->user_id);
  if (!user.ok() && user.status().code() == Code::kNotFound) {
    return Status::Unauthenticated("the session's user no longer exists");
  }
  return user;
}

std::string SessionCookieHeader(const std::string& token, int64_t max_age_s) {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict", kSessionCookie, token,
                     max_age_s);
}

std::string ClearSessionCookieHeader() {
  return fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict", kSessionCookie);
}

}  // namespace kefu::server
