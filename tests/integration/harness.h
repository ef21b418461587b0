// Integration-test harness: boots the real `kefu serve` binary on an
// ephemeral loopback port and talks to it over real sockets.
//
// Every wait is bounded: a broken server fails the test, it never hangs it.
// Objects here are not thread-safe; give each thread its own client.
//
//   ServerProcess server;                    // fresh temp data dir
//   ASSERT_TRUE(server.Start()) << server.LogTail();
//   Tenant t = server.Bootstrap();
//   WidgetClient ws(server.port());
//   auto welcome = ws.Hello(t.public_key);
//   ws.SendMessage("c-1", "hi");
//   auto ack = ws.WaitFor(IsAck("c-1"));
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>
#include <atomic>
#include <mutex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kefu::it {

using Json = nlohmann::json;
using Millis = std::chrono::milliseconds;

inline constexpr char kBootstrapToken[] = "it-bootstrap-token-6f1d2c9a";

// ---- small JSON accessors that never throw ----------------------------------

// j[key] when it is a string, else "".
std::string Str(const Json& j, std::string_view key);
// j[key] when it is an integer, else `fallback`.
int64_t Int(const Json& j, std::string_view key, int64_t fallback = -1);
// j[key] when it is a bool, else `fallback`.
bool Bool(const Json& j, std::string_view key, bool fallback = false);
// The array of a list answer: `body` when it is an array, else body[field]
// when that is an array, else an empty array.
Json ListOf(const Json& body, std::string_view field);

// ---- predicates for WidgetClient::WaitFor ------------------------------------

using FramePredicate = std::function<bool(const Json&)>;
FramePredicate IsType(std::string type);
FramePredicate IsAck(std::string client_id);
FramePredicate IsError(std::string code);
// A `message` frame with this seq.
FramePredicate IsMessageSeq(int64_t seq);
// A `message` frame from the bot with this text.
FramePredicate IsBotText(std::string text);

// ---- the server process -----------------------------------------------------

struct Tenant {
  std::string public_key;
  std::string api_key;  // the admin API key's secret
  Json raw;             // the whole bootstrap answer
};

// Runs `kefu serve` on a temp data dir (mkdtemp under /tmp). The directory is
// removed by the destructor unless the current test failed; then its path
// and the tail of its server.log are printed. The destructor kills a server
// still running; the child also dies with the test process (PDEATHSIG).
class ServerProcess {
 public:
  // `extra_args` are appended to the standard ones (data dir, loopback,
  // port 0, port file, bootstrap token, log level).
  explicit ServerProcess(std::vector<std::string> extra_args = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the server and waits (bounded) for its port file. Returns false,
  // with the reason in LogTail(), when it exits or does not come up in time.
  bool Start(Millis timeout = std::chrono::seconds(20));
  // Starts again on the same data dir. With `extra_args`, they replace the
  // previous extra arguments. REQUIRES: not running.
  bool Restart(std::optional<std::vector<std::string>> extra_args = std::nullopt);
  // SIGKILL and reap. No-op when not running.
  void Kill9();
  // Sends `sig` (SIGTERM by default) and waits. Returns the exit code
  // (0-255), 128 + signal when a signal ended it, or -1 when it did not exit
  // in time (then it is killed).
  int Terminate(Millis timeout = std::chrono::seconds(20), int sig = 15);
  bool running() const { return pid_ > 0; }

  uint16_t port() const { return port_; }
  const std::string& data_dir() const { return dir_; }
  std::string db_path() const { return dir_ + "/kefu.db"; }
  // The last `bytes` of server.log (all starts append to it).
  std::string LogTail(size_t bytes = 4000) const;

  // POST /api/v1/bootstrap with kBootstrapToken. Adds a test failure and
  // returns empty strings when it does not answer 201.
  Tenant Bootstrap();

 private:
  std::vector<std::string> extra_args_;
  std::string dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// Runs `argv` to completion with stdout/stderr appended to `log_path`.
// Returns the exit code, 128 + signal, or -1 on timeout (then killed).
int RunCommand(const std::vector<std::string>& argv, const std::string& log_path,
               Millis timeout = std::chrono::seconds(30));

// ---- HTTP -------------------------------------------------------------------

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;     // 0: no response; see `error`
  std::string error;  // why there is no (complete) response
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  bool keep_alive = false;

  // The body as JSON (null when it is not JSON).
  Json json() const;
  // body.error.code, or "".
  std::string error_code() const;
  std::string header(std::string_view name) const;
  // "503 {...body...}" for assertion messages.
  std::string Describe() const;
};

Headers Bearer(const std::string& api_key);

// One connection that sends requests one after another (keep-alive).
class HttpConnection {
 public:
  explicit HttpConnection(uint16_t port, Millis timeout = std::chrono::seconds(5));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const;
  // The request is written while the response is read, so an early answer
  // (413 before the whole body is sent) is still seen.
  HttpResponse Request(std::string_view method, std::string_view target,
                       const std::string& body = "", const Headers& headers = {},
                       Millis timeout = std::chrono::seconds(10));
  // The client side port of this connection (to prove it was reused).
  uint16_t local_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A one-shot request on a new connection.
HttpResponse HttpRequest(uint16_t port, std::string_view method, std::string_view target,
                         const std::string& body = "", const Headers& headers = {},
                         Millis timeout = std::chrono::seconds(10));

// ---- widget WebSocket -------------------------------------------------------

// A widget client on /ws/widget. An I/O thread of its own keeps one read
// pending and answers control frames at once, as a browser does; frames are
// queued in an inbox and recorded in history(). Recv pops the oldest; WaitFor
// takes the first match and leaves the others queued. Use from one thread.
class WidgetClient {
 public:
  explicit WidgetClient(uint16_t port, Millis timeout = std::chrono::seconds(5));
  // Another WebSocket path (e.g. "/ws/agent"), with extra request headers
  // (e.g. the session cookie).
  WidgetClient(uint16_t port, const std::string& path, const Headers& headers,
               Millis timeout = std::chrono::seconds(5));
  ~WidgetClient();
  WidgetClient(const WidgetClient&) = delete;
  WidgetClient& operator=(const WidgetClient&) = delete;

  // The WebSocket handshake succeeded.
  bool connected() const;

  // Sends hello and returns the first `welcome` or `error` frame.
  // `resume` is {conversation, after_seq} or null.
  std::optional<Json> Hello(const std::string& public_key, const std::string& contact_token = "",
                            const Json& resume = nullptr,
                            Millis timeout = std::chrono::seconds(5));
  bool Send(const Json& frame);
  // Sends raw bytes as one text (or binary) frame; no UTF-8 check.
  bool SendRaw(std::string_view bytes, bool text = true);
  // Like SendRaw, but written to the socket directly, so a write the server
  // cuts short (it closes on an oversized frame) does not hide its close frame.
  bool SendUnchecked(std::string_view bytes, bool text = true);
  bool SendMessage(const std::string& client_id, const std::string& text);

  // The oldest queued frame, or nullopt on timeout or when closed and empty.
  std::optional<Json> Recv(Millis timeout = std::chrono::seconds(5));
  // The first queued or arriving frame matching `pred`, removed from the
  // inbox; nullopt on timeout or close.
  std::optional<Json> WaitFor(const FramePredicate& pred,
                              Millis timeout = std::chrono::seconds(5));
  // Reads until no frame arrives for `quiet` (bounded by `timeout`).
  void Drain(Millis quiet, Millis timeout = std::chrono::seconds(5));

  // Closes the TCP connection at once: no close frame, nothing more read.
  void CloseAbruptly();
  // The WebSocket closing handshake (bounded).
  void Close();

  // The connection ended (server close, error or our close).
  bool closed() const;
  // The close code the server sent, when it sent a close frame.
  std::optional<int> close_code() const;
  // Why reading stopped ("closed", or the error message).
  std::string close_reason() const;
  // Every frame received, in arrival order (a copy).
  std::vector<Json> history() const;
  size_t inbox_size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- REST helpers -----------------------------------------------------------

// Every message of a conversation, paging with after_seq. Adds a test
// failure on a non-200 answer.
std::vector<Json> FetchMessages(uint16_t port, const std::string& api_key,
                                int64_t conversation_id);
// "" when the seqs are exactly 1..n in order, else what is wrong.
std::string CheckGapFree(const std::vector<Json>& messages);
// POST /api/v1/messages for the contact with `external_id`.
HttpResponse PostApiMessage(uint16_t port, const std::string& api_key,
                            const std::string& external_id, const std::string& client_id,
                            const std::string& text);

// ---- fixture ----------------------------------------------------------------

// Boots a server with Args() and bootstraps it in SetUp (a fatal failure
// there skips the test body).
class ServerTest : public ::testing::Test {
 protected:
  virtual std::vector<std::string> Args() const { return {}; }
  void SetUp() override;
  uint16_t port() const { return server_->port(); }

  std::unique_ptr<ServerProcess> server_;
  Tenant tenant_;
};

// A widget connection that said hello and got its welcome.
struct WidgetSession {
  std::unique_ptr<WidgetClient> ws;
  Json welcome;
  int64_t contact_id = -1;
  int64_t conversation_id = -1;
  std::string contact_token;
};
// Connects and says hello; a test failure (and empty `ws`) when no welcome.
WidgetSession OpenWidget(uint16_t port, const std::string& public_key,
                         const std::string& contact_token = "", const Json& resume = nullptr);

// ---- load -------------------------------------------------------------------

struct AckedMessage {
  std::string client_id;
  std::string text;
  int64_t seq = 0;
};

// `connections` widget clients, each a new contact on its own thread, sending
// messages ("load <client_id>") with up to `window` unacknowledged, until
// Stop() or until the server goes away. Every ack is recorded; a `busy`
// error just drops that message.
class WidgetLoad {
 public:
  WidgetLoad(uint16_t port, std::string public_key, int connections, int window = 8);
  ~WidgetLoad();
  // Stops sending and joins the threads (bounded by the clients' timeouts).
  void Stop();
  // Acked messages so far, by conversation id.
  std::map<int64_t, std::vector<AckedMessage>> Acked() const;
  size_t acked_count() const { return acked_count_.load(); }
  size_t busy_count() const { return busy_count_.load(); }

 private:
  void Run(int index);

  uint16_t port_;
  std::string public_key_;
  int window_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> acked_count_{0};
  std::atomic<size_t> busy_count_{0};
  mutable std::mutex mu_;
  std::map<int64_t, std::vector<AckedMessage>> acked_;
  std::vector<std::thread> threads_;
};

// Checks that `messages` (REST, one conversation) are gap-free and hold every
// acked message with its seq, client_id and text. "" or what is wrong.
std::string CheckAckedPresent(const std::vector<Json>& messages,
                              const std::vector<AckedMessage>& acked);

// Polls `cond` every 20 ms until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& cond, Millis timeout = std::chrono::seconds(5));

}  // namespace kefu::it
