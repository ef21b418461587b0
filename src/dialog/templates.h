// Templates and slot values of flows: `{{order_no}}` in a response, a URL
// or a request body is replaced by the slot's value; responses of HTTP
// actions are read into slots by field paths (`items[*].name`).
//
// Slots are JSON values (core/json.h): an entity's value is a string, an
// action's response field any JSON. A value is shown to a customer by
// RenderValue: a string as it is, a number in its shortest form, a list as
// its items joined ("、" in Chinese, ", " otherwise), and an object that has
// a key for the reply's language ({"zh": "已发货", "en": "shipped"}) as that.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace kefu::dialog {

// The slot names a template refers to, in order: "您的订单 {{order_no}}" →
// {"order_no"}; a field of a slot is written `{{order.status}}`.
// Errors: kInvalidArgument for an unclosed `{{`, an empty or malformed name.
Result<std::vector<std::string>> TemplateSlots(std::string_view text);

// How a slot's value is written into the template's text.
enum class Escape {
  kNone,  // as RenderValue shows it (responses)
  kUrl,   // percent-encoded (URLs)
  kJson,  // JSON-string escaped, for a template inside a JSON string (bodies)
};

// `text` with every `{{name}}` replaced by RenderValue(the slot's value);
// a slot without a value is replaced by "". `language` chooses among
// localized values. A malformed template is returned as it is.
std::string RenderTemplate(std::string_view text, const Json& slots, std::string_view language,
                           Escape escape = Escape::kNone);

// How a customer sees one value (see the top of this file).
std::string RenderValue(const Json& value, std::string_view language);

// A field path: names separated by `.`, each optionally followed by `[N]`
// (an index) or `[*]` (every item): `status`, `items[0].name`, `items[*].name`.
bool ValidJsonPath(std::string_view path);

// The value at `path` in `root`; null when some part is missing. `[*]`
// gives the list of the rest of the path over every item.
Json LookupPath(const Json& root, std::string_view path);

}  // namespace kefu::dialog
