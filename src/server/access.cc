#include "server/access.h"

namespace kefu::server {

std::string_view PrincipalName(Principal p) {
  switch (p) {
    case Principal::kAnonymous:
      return "anonymous";
    case Principal::kWidgetContact:
      return "widget_contact";
    case Principal::kAdminKey:
      return "key:admin";
    case Principal::kSupervisorKey:
      return "key:supervisor";
    case Principal::kAgentKey:
      return "key:agent";
    case Principal::kAdminUser:
      return "user:admin";
    case Principal::kSupervisorUser:
      return "user:supervisor";
    case Principal::kAgentUser:
      return "user:agent";
  }
  return "anonymous";
}

std::optional<Principal> ParsePrincipal(std::string_view name) {
  for (Principal p : kAllPrincipals) {
    if (PrincipalName(p) == name) return p;
  }
  return std::nullopt;
}

std::optional<Principal> KeyPrincipal(std::string_view role) {
  if (role == "admin") return Principal::kAdminKey;
  if (role == "supervisor") return Principal::kSupervisorKey;
  if (role == "agent") return Principal::kAgentKey;
  return std::nullopt;
}

std::optional<Principal> UserPrincipal(std::string_view role) {
  if (role == "admin") return Principal::kAdminUser;
  if (role == "supervisor") return Principal::kSupervisorUser;
  if (role == "agent") return Principal::kAgentUser;
  return std::nullopt;
}

std::vector<std::string> AllowNames(Allow a) {
  std::vector<std::string> out;
  for (Principal p : kAllPrincipals) {
    if (Allows(a, p)) out.emplace_back(PrincipalName(p));
  }
  return out;
}

}  // namespace kefu::server
