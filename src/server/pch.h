// Precompiled for the server and the tests that speak to it: the heavy
// Asio/Beast headers. Only .cc files of server/, channels/ and tests see them.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
