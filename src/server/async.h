// Bridges the store's callbacks into coroutines. Include only from .cc files
// of server/ and channels/ (it pulls in Asio).
//
// g++ 12 destroys temporaries with non-trivial destructors inside a co_await
// expression twice in some cases, so pass a named lambda:
//   auto start = [&](auto cb) { store->CreateContact(c, cb); };
//   auto r = co_await AwaitResult<store::Contact>(std::move(start));
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <utility>

#include "core/status.h"

namespace kefu::server {

namespace asio = boost::asio;

// The callback may run on any thread; the coroutine resumes on its own
// executor.
template <typename T, typename Start>
auto AwaitResult(Start start) {
  return asio::async_initiate<const asio::use_awaitable_t<>, void(Result<T>)>(
      [](auto handler, Start start) {
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        start([h, ex](Result<T> r) {
          asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
        });
      },
      asio::use_awaitable, std::move(start));
}

template <typename Start>
auto AwaitStatus(Start start) {
  return asio::async_initiate<const asio::use_awaitable_t<>, void(Status)>(
      [](auto handler, Start start) {
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        start([h, ex](Status s) {
          asio::post(ex, [h, s = std::move(s)]() mutable { (*h)(std::move(s)); });
        });
      },
      asio::use_awaitable, std::move(start));
}

}  // namespace kefu::server
