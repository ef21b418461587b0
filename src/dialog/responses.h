// Responses: what the bot says, chosen by name, persona tone and language,
// with the built-in responses every package has (and may override in
// responses/): clarify, cancelled, nothing_to_cancel, resume, handoff,
// handoff_fallback, action_failed, ask_failed, empathy_anger,
// empathy_anxiety, empathy_sadness.
//
// Thread-safety: a built Responses is immutable; Pick and Render are const.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "dialog/package.h"

namespace kefu::dialog {

// The names of the built-in responses, in a fixed order.
const std::vector<std::string>& BuiltInResponseNames();

class Responses {
 public:
  // The package's responses over the built-in ones.
  // Errors: kInvalidArgument when a built-in response has no text in one
  // of the package's languages (the built-ins speak zh and en), naming the
  // response and the language.
  static Result<Responses> Build(const BotPackage& package, std::string tone);

  // One variant of `r` for `tone`-less lookup order: the tone's texts in
  // `language`, else the default texts in `language`, else in the
  // package's default language. `turn` picks among variants (round robin,
  // so consecutive turns vary and a test can predict them).
  std::string Pick(const ResponseDefinition& r, std::string_view language, int64_t turn) const;

  // The named response (a package's or a built-in one); null if none.
  const ResponseDefinition* Find(std::string_view name) const;

  // Pick + RenderTemplate with `slots`.
  std::string Render(const ResponseDefinition& r, std::string_view language, int64_t turn,
                     const Json& slots) const;
  // Render of the named response; "" when there is none.
  std::string Render(std::string_view name, std::string_view language, int64_t turn,
                     const Json& slots) const;

  const std::string& tone() const { return tone_; }

 private:
  std::string tone_;
  std::string default_language_;
  std::map<std::string, ResponseDefinition, std::less<>> by_name_;
};

}  // namespace kefu::dialog
