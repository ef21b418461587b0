// Conditions of a flow's `branch` step (docs/bot-package.md, "Conditions"):
//
//   status == 'shipped'            a slot (or a field: order.status) against a literal
//   total >= 100                   numbers compare as numbers
//   status in ['paid', 'packed']   one of a list
//   returnable                     a slot that holds something other than
//                                  nothing, "", false, 0 or "false"
//   not address_changeable         and, or, not, parentheses
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "core/json.h"
#include "core/status.h"
#include "dialog/package.h"

namespace kefu::dialog {

// Errors: kInvalidArgument saying what is wrong and where ("expected a value
// after `==`", "unclosed string", "`)` missing").
Result<Condition> ParseCondition(std::string_view text);

// Whether `c` holds for the conversation's slots (a JSON object).
bool EvaluateCondition(const Condition& c, const Json& slots);

}  // namespace kefu::dialog
