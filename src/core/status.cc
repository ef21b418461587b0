#include "core/status.h"

namespace kefu {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kInvalidJson: return "invalid_json";
    case Code::kInvalidUtf8: return "invalid_utf8";
    case Code::kUnknownTenant: return "unknown_tenant";
    case Code::kUnsupportedMediaType: return "unsupported_media_type";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kNotFound: return "not_found";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kPayloadTooLarge: return "payload_too_large";
    case Code::kRateLimited: return "rate_limited";
    case Code::kBusy: return "busy";
    case Code::kUnavailable: return "unavailable";
    case Code::kDeadlineExceeded: return "deadline_exceeded";
    case Code::kIoError: return "io_error";
    case Code::kInternal: return "internal";
  }
  return "internal";
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kInvalidArgument: return 400;
    case Code::kInvalidJson: return 400;
    case Code::kInvalidUtf8: return 400;
    case Code::kUnknownTenant: return 404;
    case Code::kUnsupportedMediaType: return 415;
    case Code::kUnauthenticated: return 401;
    case Code::kPermissionDenied: return 403;
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists: return 409;
    case Code::kPayloadTooLarge: return 413;
    case Code::kRateLimited: return 429;
    case Code::kBusy: return 503;
    case Code::kUnavailable: return 503;
    case Code::kDeadlineExceeded: return 504;
    case Code::kIoError: return 500;
    case Code::kInternal: return 500;
  }
  return 500;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(CodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

}  // namespace kefu
