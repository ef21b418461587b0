// Internal to nlu/: little-endian binary records of the models kefu keeps on
// disk. A ModelReader never allocates more than its limits allow and turns
// any short or malformed read into ok() == false, so a truncated or foreign
// file is an error, never a crash.
//
// Thread-safety: one reader or writer per stream, used by one thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <istream>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::nlu {

class ModelWriter {
 public:
  explicit ModelWriter(std::ostream& out) : out_(out) {}

  void U32(uint32_t v) { Raw(&v, sizeof v); }
  void U64(uint64_t v) { Raw(&v, sizeof v); }
  void F64(double v) { Raw(&v, sizeof v); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    Raw(s.data(), s.size());
  }
  void Floats(std::span<const float> v) {
    U64(v.size());
    Raw(v.data(), v.size() * sizeof(float));
  }
  bool ok() const { return static_cast<bool>(out_); }

 private:
  void Raw(const void* p, size_t n) { out_.write(static_cast<const char*>(p), n); }
  std::ostream& out_;
};

class ModelReader {
 public:
  explicit ModelReader(std::istream& in) : in_(in) {}

  uint32_t U32() {
    uint32_t v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  uint64_t U64() {
    uint64_t v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  double F64() {
    double v = 0;
    Raw(&v, sizeof v);
    return v;
  }
  std::string Str(uint32_t max_size = 1 << 20) {
    uint32_t n = U32();
    if (!ok_ || n > max_size) return Fail(), std::string();
    std::string s(n, '\0');
    Raw(s.data(), n);
    return s;
  }
  std::vector<float> Floats(uint64_t max_size) {
    uint64_t n = U64();
    if (!ok_ || n > max_size) return Fail(), std::vector<float>();
    std::vector<float> v(n);
    Raw(v.data(), n * sizeof(float));
    return v;
  }
  // A count of items that follow, refused above `max`.
  uint64_t Count(uint64_t max) {
    uint64_t n = U64();
    if (n > max) Fail();
    return ok_ ? n : 0;
  }
  void Fail() { ok_ = false; }
  bool ok() const { return ok_; }

 private:
  void Raw(void* p, size_t n) {
    if (!ok_) return;
    if (!in_.read(static_cast<char*>(p), n)) {
      ok_ = false;
      std::memset(p, 0, n);
    }
  }
  std::istream& in_;
  bool ok_ = true;
};

}  // namespace kefu::nlu
