// The read behind Store::ScanConversationFacts (the numbers of
// GET /api/v1/stats), apart from sqlite_store.cc because it is a report, not
// a row lookup.
//
// Thread-safety: uses `conn` alone, as every read does.
#pragma once

#include <cstdint>
#include <functional>

#include "core/status.h"
#include "store/sqlite/sql.h"
#include "store/store.h"

namespace kefu::store::sqlite {

// See Store::ScanConversationFacts. Runs in one read transaction on `conn`.
// Errors: the SQL's (IoError, Internal).
Status ScanConversationFacts(Conn& conn, int64_t tenant_id, int64_t from_millis,
                             int64_t until_millis,
                             const std::function<void(const ConversationFacts&)>& visit);

}  // namespace kefu::store::sqlite
