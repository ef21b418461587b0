// Entities: the typed values a customer's message carries — phone numbers,
// e-mail addresses, order and tracking numbers, amounts of money, numbers
// (also in Chinese numerals), dates and times (also relative ones, resolved
// against the conversation's clock and time zone) — and the tenant's own
// entities from its bot package: regular-expression patterns and lookup
// tables with synonyms (顺丰 / SF Express / 顺丰速运 → "sf").
//
// Offsets: extraction runs on the text as given (raw customer text), so
// every span's byte offsets point into it and `text` is the exact substring.
// Internally full-width ASCII (１３８, ＠, ：) and the ideographic space are
// read as their ASCII forms and Latin letters case-insensitively, so
// "１３８ ００１３ ８０００" is a phone number; no other normalisation is
// applied (pass 繁體 as is: the built-in extractors need no Chinese words
// beyond numerals and date words, which include the Traditional forms used).
//
// Overlaps: built-in spans never overlap; where two could, the first of
// email, phone, datetime, amount, order number, number wins, then the longer.
// Pattern and lookup entities are reported beside them (they may overlap a
// built-in span, never another span of the same configured entity).
//
// Input: any bytes. Invalid UTF-8 bytes are skipped (they never join a span);
// texts longer than 64 KiB are scanned on their first 64 KiB.
//
// Thread-safety: an EntityExtractor is immutable after Create (its time-zone
// cache is guarded by a mutex) and may be used from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kefu::nlu {

enum class EntityType : uint8_t {
  kPhone,        // value: E.164, "+8613812345678"
  kEmail,        // value: lower-cased address
  kOrderNumber,  // value: upper-cased, separators removed
  kAmount,       // value: "1299.00"; unit: ISO 4217 code ("CNY", "USD", "EUR", …)
  kNumber,       // value: shortest decimal form ("320", "0.5", "12000")
  kDateTime,     // value: ISO 8601 in the conversation's zone; unit: "date" or "datetime"
  kPattern,      // a tenant's regular expression; value: the matched text, full width as ASCII
  kLookup,       // a tenant's lookup table; value: the canonical value of the synonym
};

// "phone", "email", "order_number", "amount", "number", "datetime", "pattern", "lookup".
std::string_view EntityTypeName(EntityType t);

struct Entity {
  EntityType type = EntityType::kNumber;
  std::string name;   // the configured entity's name; for built-ins EntityTypeName(type)
  size_t begin = 0;   // byte offset into the text given to Extract
  size_t end = 0;     // one past the last byte
  std::string text;   // the text's bytes [begin, end)
  std::string value;  // normalised, see EntityType
  std::string unit;   // see EntityType; empty when none
};

// A tenant's regular expression (ECMAScript syntax, std::regex), matched
// case-insensitively against the text with full-width ASCII read as ASCII.
struct PatternEntity {
  std::string name;   // "membership_id"
  std::string regex;  // "VIP\\d{6}"
};

// A tenant's lookup table: each value with the words customers use for it.
// The value itself also matches. Matching is case-insensitive and the longest
// synonym wins; Latin synonyms match whole words only ("sf" not in "sfx").
struct LookupEntity {
  struct Value {
    std::string value;                  // "sf"
    std::vector<std::string> synonyms;  // {"顺丰", "SF Express", "顺丰速运"}
  };
  std::string name;  // "carrier"
  std::vector<Value> values;
};

struct EntityConfig {
  // Order and tracking numbers (ECMAScript, case-insensitive), matched only
  // where they stand alone (no letter or digit right before or after). The
  // default: up to four letters then 8–24 digits ("SF1234567890",
  // "2026120212345678", "JD0012345678"). Empty disables. A bot package's
  // pattern entity named order_number replaces it.
  std::string order_number_pattern = "[A-Z]{0,4}[0-9]{8,24}";
  // The tenant's own entities.
  std::vector<PatternEntity> patterns;
  std::vector<LookupEntity> lookups;
  // The zone used when Extract is not given one (IANA name).
  std::string default_time_zone = "Asia/Shanghai";
  // Where the system's TZif files live.
  std::string zoneinfo_dir = "/usr/share/zoneinfo";
};

// What relative dates are resolved against.
struct ExtractContext {
  int64_t now_millis = 0;  // the conversation's clock (Clock::NowMillis)
  std::string time_zone;   // IANA name ("Asia/Shanghai"); empty: the default
};

class EntityExtractor {
 public:
  virtual ~EntityExtractor() = default;

  // Compiles the patterns, builds the lookup tables and loads the default zone.
  // Errors: kInvalidArgument naming the entity for a pattern that does not
  // compile, an empty name, or a lookup value without text; kNotFound when the
  // default time zone is unknown.
  static Result<std::unique_ptr<EntityExtractor>> Create(const EntityConfig& config = {});

  // Every entity in `text`, ordered by begin offset (then by type). Never
  // fails: an unknown time zone in `context` falls back to the default one.
  virtual std::vector<Entity> Extract(std::string_view text,
                                      const ExtractContext& context) const = 0;
};

// The UTC offset, in seconds, of IANA zone `name` at `unix_seconds`, read from
// the system's tzdata (TZif files; past the last listed transition the last
// offset is kept). Pure apart from reading the file; thread-safe.
// Errors: kNotFound for an unknown or malformed zone name.
Result<int> UtcOffsetSeconds(std::string_view name, int64_t unix_seconds,
                             std::string_view zoneinfo_dir = "/usr/share/zoneinfo");

}  // namespace kefu::nlu
