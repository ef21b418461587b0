// The route table's own rules, checked without a server: every route allows
// someone, a route open to anonymous callers is open to everyone (its
// credentials are not looked at), and no method and path appear twice.
#include "server/http_api.h"

#include <gtest/gtest.h>

#include <set>

namespace kefu::server {
namespace {

TEST(RouteTable, EveryRouteAllowsSomeoneAndAnonymousMeansEveryone) {
  const std::vector<RouteInfo> routes = HttpApi::RouteTable();
  ASSERT_FALSE(routes.empty());
  std::set<std::string> seen;
  for (const RouteInfo& r : routes) {
    const std::string name = r.method + " " + r.pattern;
    EXPECT_TRUE(seen.insert(name).second) << name << " twice";
    EXPECT_NE(r.allow, 0u) << name << " allows nobody";
    EXPECT_EQ(r.allow & ~allow::kAnyone, 0u) << name << " allows an unknown principal";
    if (Allows(r.allow, Principal::kAnonymous)) {
      EXPECT_EQ(r.allow, allow::kAnyone) << name << ": anonymous but not everyone";
    }
    if (r.pattern.starts_with("/api/v1/") && r.pattern != "/api/v1/bootstrap" &&
        r.pattern != "/api/v1/login" && r.pattern != "/api/v1/routes") {
      EXPECT_FALSE(Allows(r.allow, Principal::kAnonymous)) << name << " is open to anyone";
    }
  }
}

TEST(RouteTable, AdminActionsAreForAdminsOnly) {
  for (const RouteInfo& r : HttpApi::RouteTable()) {
    const std::string name = r.method + " " + r.pattern;
    const bool admin_action = (r.method != "GET" && (r.pattern.starts_with("/api/v1/users") ||
                                                     r.pattern.starts_with("/api/v1/api-keys") ||
                                                     r.pattern == "/api/v1/bot/reload")) ||
                              r.pattern == "/api/v1/api-keys" || r.pattern == "/api/v1/audit-log";
    if (admin_action) {
      EXPECT_EQ(r.allow, allow::kAdmins) << name;
    }
  }
}

TEST(Principals, NamesRoundTrip) {
  std::set<std::string_view> names;
  for (Principal p : kAllPrincipals) {
    EXPECT_EQ(ParsePrincipal(PrincipalName(p)), p);
    names.insert(PrincipalName(p));
  }
  EXPECT_EQ(names.size(), std::size(kAllPrincipals));
  EXPECT_EQ(ParsePrincipal("key:owner"), std::nullopt);
  EXPECT_EQ(KeyPrincipal("supervisor"), Principal::kSupervisorKey);
  EXPECT_EQ(UserPrincipal("agent"), Principal::kAgentUser);
  EXPECT_EQ(UserPrincipal("root"), std::nullopt);
  EXPECT_EQ(AllowNames(allow::kAdmins), (std::vector<std::string>{"key:admin", "user:admin"}));
  EXPECT_EQ(AllowNames(allow::kAnyone).size(), std::size(kAllPrincipals));
}

}  // namespace
}  // namespace kefu::server
