// Personal data masking: before any text leaves kefu for an outside
// provider (a language model, a translation service) or reaches a log line,
// the personal data in it is replaced by placeholders; the provider's reply
// gets the originals back.
//
// Found: Chinese mainland mobile numbers (11 digits 1[3-9]…, with or without
// +86 / 0086, written in one run or grouped by spaces or hyphens: 138 1234
// 5678), resident ID-card numbers (18 characters, the GB 11643 checksum and
// a real birth date), bank card numbers (13–19 digits passing the Luhn check,
// grouped or not), e-mail addresses, and a tenant's own patterns. Digits may
// be ASCII or full width (１３８…). A digit run glued to ASCII letters or
// further digits (an order number SO20261130001, a longer number) is not
// taken apart. Placeholders are ASCII and bracketed, e.g. [PHONE_1],
// [EMAIL_2], [ID_1], [CARD_1], [PRIVATE_1]: models copy them through.
//
//   PiiMasker masker = PiiMasker::Create(tenant_patterns).value();
//   PiiVault vault;
//   std::string prompt = masker.Mask(customer_text, &vault);
//   ... the provider answers `reply`, which may repeat [PHONE_1] ...
//   std::string shown = vault.Restore(reply);
//
// Thread-safety: a PiiMasker is immutable after Create and may be used from
// any number of threads; a PiiVault belongs to one exchange.
#pragma once

#include <functional>
#include <map>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kefu::llm {

enum class PiiKind { kPhone, kIdCard, kBankCard, kEmail, kCustom };
// "PHONE", "ID", "CARD", "EMAIL", "PRIVATE": the placeholders' stems.
const char* PiiKindName(PiiKind kind);

// One piece of personal data: bytes [begin, end) of the text.
struct PiiSpan {
  PiiKind kind = PiiKind::kPhone;
  size_t begin = 0;
  size_t end = 0;
};

// A tenant's own kind of personal data (a membership number, a licence
// plate), as an ECMAScript regular expression over the UTF-8 bytes.
struct PiiPattern {
  std::string name;   // for errors only
  std::string regex;  // "VIP\\d{6}"
};

// The placeholders of one exchange and what they stand for. The same value
// masked twice gets the same placeholder.
class PiiVault {
 public:
  // The placeholder for `original` of `kind`, made up on first sight.
  std::string PlaceholderFor(PiiKind kind, std::string_view original);
  // `text` with every placeholder of this vault replaced by its original.
  // Text the vault did not make is left alone, even when it looks like one.
  std::string Restore(std::string_view text) const;
  size_t size() const { return original_of_.size(); }

 private:
  std::map<std::string, std::string> original_of_;  // placeholder → original
  std::map<std::string, std::string> placeholder_of_;  // kind + original → placeholder
  std::map<PiiKind, int> count_;
};

// Restores placeholders in a reply that arrives in pieces (a stream of
// tokens): text from an unclosed '[' on is held back until it is a whole
// placeholder, or plainly is not one.
class StreamRestorer {
 public:
  // `vault` must outlive the restorer.
  explicit StreamRestorer(const PiiVault* vault) : vault_(vault) {}
  // What can be shown now.
  std::string Feed(std::string_view piece);
  // What was held back, at the end of the stream.
  std::string Flush();

 private:
  const PiiVault* vault_;
  std::string held_;
};

class PiiMasker {
 public:
  // Errors: InvalidArgument naming the pattern that does not compile.
  static Result<PiiMasker> Create(const std::vector<PiiPattern>& tenant_patterns = {});

  // Every piece of personal data in `text`, in order, not overlapping.
  std::vector<PiiSpan> Find(std::string_view text) const;
  // `text` with each piece replaced by the vault's placeholder for it.
  std::string Mask(std::string_view text, PiiVault* vault) const;
  // `text` with each piece replaced by its kind alone ("[PHONE]"): for logs,
  // where nothing is ever restored.
  std::string MaskForLog(std::string_view text) const;

 private:
  // `text` with each piece found replaced by what `with` makes of it.
  std::string Replace(std::string_view text,
                      const std::function<std::string(const PiiSpan&)>& with) const;

  std::vector<std::regex> patterns_;
};

// The checks behind the finder, exposed for tests. Digits only ('X' allowed
// last in an ID number).
bool LuhnValid(std::string_view digits);
bool IdCardValid(std::string_view id18);

}  // namespace kefu::llm
