// Helpers for the store's unit tests (not part of the library): temporary
// directories, waiting on callbacks, a gate that holds the writer thread,
// and a seeded tenant / contact / conversation.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "store/store.h"

namespace kefu::store::testing {

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/kefu_store_test_XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Starts a write with a callback and waits for it: start(callback).
template <typename T, typename Start>
Result<T> Wait(Start start) {
  std::promise<Result<T>> p;
  auto f = p.get_future();
  start([&p](Result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

template <typename Start>
Status WaitStatus(Start start) {
  std::promise<Status> p;
  auto f = p.get_future();
  start([&p](Status s) { p.set_value(std::move(s)); });
  return f.get();
}

inline Status Flush(Store& s) {
  return WaitStatus([&](StatusCallback cb) { s.Flush(std::move(cb)); });
}

// Holds the writer thread inside a Flush callback until Open(): writes
// queued meanwhile all wait, and go into the groups that follow.
class WriterGate {
 public:
  explicit WriterGate(Store& s) : open_(release_.get_future().share()) {
    auto entered = std::make_shared<std::promise<void>>();
    auto entered_f = entered->get_future();
    s.Flush([entered, open = open_](Status) {
      entered->set_value();
      open.wait();
    });
    entered_f.wait();
  }
  ~WriterGate() { Open(); }
  void Open() {
    if (!opened_) release_.set_value();
    opened_ = true;
  }

 private:
  std::promise<void> release_;
  std::shared_future<void> open_;
  bool opened_ = false;
};

struct Seeded {
  Tenant tenant;
  Contact contact;
  Conversation conversation;
};

// Creates a tenant named `name` (public key "pk_<name>"), a contact and a
// conversation in it.
inline Seeded Seed(Store& s, const std::string& name) {
  Seeded out;
  auto t = Wait<Tenant>([&](auto cb) { s.CreateTenant({name, "pk_" + name}, cb); });
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  if (!t.ok()) return out;
  out.tenant = *t;
  auto c = Wait<Contact>([&](auto cb) { s.CreateContact({t->id, "", "Ann", "en"}, cb); });
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return out;
  out.contact = *c;
  auto conv = Wait<Conversation>([&](auto cb) {
    s.CreateConversation({t->id, c->id, "widget", "en"}, cb);
  });
  EXPECT_TRUE(conv.ok()) << conv.status().ToString();
  if (conv.ok()) out.conversation = *conv;
  return out;
}

inline NewMessage Msg(const Seeded& s, std::string client_id, std::string text = "hi") {
  NewMessage m;
  m.tenant_id = s.tenant.id;
  m.conversation_id = s.conversation.id;
  m.sender = Sender::kContact;
  m.sender_id = s.contact.id;
  m.client_id = std::move(client_id);
  m.text = std::move(text);
  return m;
}

inline Result<AppendResult> Append(Store& s, NewMessage m) {
  return Wait<AppendResult>([&](auto cb) { s.AppendMessage(std::move(m), cb); });
}

}  // namespace kefu::store::testing
