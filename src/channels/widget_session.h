// The widget channel: one WebSocket connection of the embeddable chat widget,
// speaking the protocol in docs/protocol.md (hello → welcome, message → ack,
// pushes of message/typing/status/error).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "server/context.h"

namespace kefu::channels {

using WidgetStream = boost::beast::websocket::stream<boost::beast::tcp_stream>;
using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Accepts the upgrade and serves the connection until it closes. Runs on the
// stream's executor, which must be a strand. Never throws.
boost::asio::awaitable<void> RunWidgetSession(WidgetStream ws, UpgradeRequest req,
                                              server::Context& ctx);

}  // namespace kefu::channels
