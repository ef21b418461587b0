// Who may call an endpoint. Every route of the HTTP API (http_api.cc,
// HttpApi::Routes) names the principals it allows as an `Allow` set; the
// request's credentials decide its principal, and a principal outside the
// set is refused with 403 permission_denied before the handler runs.
//
// Principals:
//   anonymous       no credentials are looked at (health, login, bootstrap…)
//   widget_contact  X-Kefu-Public-Key + X-Kefu-Contact-Token (a customer)
//   key:<role>      Authorization: Bearer kf_… (an API key: admin, supervisor, agent)
//   user:<role>     the kefu_session cookie or Authorization: Bearer ks_…
//                   (a signed-in user: admin, supervisor, agent)
//
// Plain values and functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::server {

enum class Principal : uint8_t {
  kAnonymous,
  kWidgetContact,
  kAdminKey,
  kSupervisorKey,
  kAgentKey,
  kAdminUser,
  kSupervisorUser,
  kAgentUser,
};

// Every principal, in the order above.
inline constexpr Principal kAllPrincipals[] = {
    Principal::kAnonymous,      Principal::kWidgetContact, Principal::kAdminKey,
    Principal::kSupervisorKey,  Principal::kAgentKey,      Principal::kAdminUser,
    Principal::kSupervisorUser, Principal::kAgentUser,
};

// A set of principals, one bit each.
using Allow = uint32_t;

constexpr Allow Bit(Principal p) { return Allow{1} << static_cast<unsigned>(p); }

namespace allow {
inline constexpr Allow kAnonymous = Bit(Principal::kAnonymous);
inline constexpr Allow kWidgetContact = Bit(Principal::kWidgetContact);
inline constexpr Allow kAdminKey = Bit(Principal::kAdminKey);
inline constexpr Allow kSupervisorKey = Bit(Principal::kSupervisorKey);
inline constexpr Allow kAgentKey = Bit(Principal::kAgentKey);
inline constexpr Allow kAdminUser = Bit(Principal::kAdminUser);
inline constexpr Allow kSupervisorUser = Bit(Principal::kSupervisorUser);
inline constexpr Allow kAgentUser = Bit(Principal::kAgentUser);

// Admins, by key or signed in.
inline constexpr Allow kAdmins = kAdminKey | kAdminUser;
// Supervisors and admins, by key or signed in.
inline constexpr Allow kSupervisors = kAdmins | kSupervisorKey | kSupervisorUser;
// Every API key and every signed-in user of the tenant.
inline constexpr Allow kStaff = kSupervisors | kAgentKey | kAgentUser;
// Signed-in users of any role (not API keys: they are not people).
inline constexpr Allow kUsers = kAdminUser | kSupervisorUser | kAgentUser;
// Everyone. A route that allows anonymous callers allows everyone: its
// credentials are not looked at (HttpApi::RouteTable checks this).
inline constexpr Allow kAnyone = kAnonymous | kWidgetContact | kStaff;
}  // namespace allow

// "anonymous", "widget_contact", "key:admin", …, "user:agent".
std::string_view PrincipalName(Principal p);
// The principal of that name, or nullopt.
std::optional<Principal> ParsePrincipal(std::string_view name);

// The principal of an API key or a user with `role` ("admin",
// "supervisor", "agent"); nullopt for a role kefu does not know.
std::optional<Principal> KeyPrincipal(std::string_view role);
std::optional<Principal> UserPrincipal(std::string_view role);

// The names of the principals of `a`, in kAllPrincipals order.
std::vector<std::string> AllowNames(Allow a);

inline bool Allows(Allow a, Principal p) { return (a & Bit(p)) != 0; }

}  // namespace kefu::server
