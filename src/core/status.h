// Errors as values. A function that can fail returns Status (no value) or
// Result<T> (a value or a Status), and says in its comment which codes it uses.
// Exceptions are reserved for the unexpected and are caught at coroutine
// boundaries.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kefu {

enum class Code {
  kOk = 0,
  kInvalidArgument,   // a field missing, mistyped or out of range: 400
  kInvalidJson,       // not JSON, or not an object: 400
  kInvalidUtf8,       // not valid UTF-8: 400
  kUnauthenticated,   // missing or wrong credentials: 401
  kPermissionDenied,  // authenticated but not allowed: 403
  kNotFound,          // 404
  kUnknownTenant,     // a public key naming no tenant: 404
  kUnsupportedMediaType,  // 415
  kAlreadyExists,     // 409
  kPayloadTooLarge,   // 413
  kRateLimited,       // too many attempts (failed sign-ins): 429 + Retry-After
  kBusy,              // overloaded on purpose, retry later: 503 + Retry-After
  kUnavailable,       // shutting down / dependency down: 503
  kDeadlineExceeded,  // a dependency did not answer in time: 504
  kIoError,           // storage failure: 500
  kInternal,          // a bug: 500
};

// Stable machine-readable name ("invalid_argument", "busy", ...).
std::string_view CodeName(Code code);
// HTTP status for an error code.
int HttpStatusFor(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status InvalidJson(std::string m) { return {Code::kInvalidJson, std::move(m)}; }
  static Status InvalidUtf8(std::string m) { return {Code::kInvalidUtf8, std::move(m)}; }
  static Status UnknownTenant(std::string m) { return {Code::kUnknownTenant, std::move(m)}; }
  static Status UnsupportedMediaType(std::string m) { return {Code::kUnsupportedMediaType, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status PayloadTooLarge(std::string m) { return {Code::kPayloadTooLarge, std::move(m)}; }
  static Status RateLimited(std::string m) { return {Code::kRateLimited, std::move(m)}; }
  static Status Busy(std::string m) { return {Code::kBusy, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) { return {Code::kDeadlineExceeded, std::move(m)}; }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "busy: writer queue full"
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or an error. REQUIRES: value() only when ok(), status() any time.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Status status) : v_(std::move(status)) {}  // NOLINT; must not be OK

  bool ok() const { return std::holds_alternative<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  Status status() const {
    return ok() ? Status::Ok() : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace kefu
