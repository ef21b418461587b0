// A scripted HttpClient for the llm tests: answers each request with the
// next scripted reply, at once, on the caller's thread; a streamed reply's
// body is handed on in its pieces first. Tests only.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "core/http_client.h"

namespace kefu::llm::fakes {

struct ScriptedHttp : HttpClient {
  struct Reply {
    Result<HttpResponse> response = HttpResponse{};
    std::vector<std::string> pieces;  // streamed before the response
  };
  std::deque<Reply> replies;
  std::vector<HttpRequest> seen;

  void Send(HttpRequest request, HttpCallback done) override {
    seen.push_back(request);
    if (replies.empty()) {
      done(Status::Unavailable("nothing scripted"));
      return;
    }
    Reply r = std::move(replies.front());
    replies.pop_front();
    for (const std::string& p : r.pieces) {
      if (request.on_body) request.on_body(p);
    }
    done(std::move(r.response));
  }

  void Answer(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    replies.push_back({r, {}});
  }
  void Stream(std::vector<std::string> pieces) {
    HttpResponse r;
    r.status = 200;
    for (const std::string& p : pieces) r.body += p;
    replies.push_back({r, std::move(pieces)});
  }
  void Fail(Status s, std::vector<std::string> pieces = {}) {
    replies.push_back({std::move(s), std::move(pieces)});
  }
};

}  // namespace kefu::llm::fakes
