// Which language and Chinese variant replies go back in.
#include "text/text.h"

namespace kefu::text {

ReplyLocale NextReplyLocale(const ReplyLocale& previous, const Analysis& message,
                            Variant traditional) {
  ReplyLocale next = previous;
  if (!message.language.empty()) next.language = message.language;
  if (message.script == Script::kTraditional) {
    // A tenant's preference for Traditional is one of the Traditional forms.
    next.variant = traditional == Variant::kSimplified ? Variant::kTraditional : traditional;
  } else if (message.script == Script::kSimplified) {
    next.variant = Variant::kSimplified;
  }
  return next;
}

ReplyLocale ReplyLocaleFor(const std::vector<Analysis>& history, const ReplyLocale& tenant_default,
                           Variant traditional) {
  ReplyLocale locale = tenant_default;
  for (const Analysis& message : history) locale = NextReplyLocale(locale, message, traditional);
  return locale;
}

}  // namespace kefu::text
