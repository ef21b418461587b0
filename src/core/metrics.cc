#include "core/metrics.h"

#include <fmt/format.h>

namespace kefu::metrics {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<uint64_t>(v * 1e9), std::memory_order_relaxed);
}

void Histogram::Render(const std::string& name, const std::string& labels,
                       std::string& out) const {
  uint64_t cumulative = 0;
  std::string sep = labels.empty() ? "" : labels + ",";
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, sep, bounds_[i], cumulative);
  }
  cumulative += counts_[bounds_.size()].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{{}le=\"+Inf\"}} {}\n", name, sep, cumulative);
  std::string l = labels.empty() ? "" : "{" + labels + "}";
  out += fmt::format("{}_sum{} {}\n", name, l,
                     static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9);
  out += fmt::format("{}_count{} {}\n", name, l, count_.load(std::memory_order_relaxed));
}

std::vector<double> LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,    5,     10};
}

std::vector<double> SizeBuckets() {
  std::vector<double> b;
  for (double v = 1; v <= 4096; v *= 2) b.push_back(v);
  return b;
}

namespace {

void Head(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void One(std::string& out, const char* name, const char* type, const char* help,
         double value) {
  Head(out, name, type, help);
  out += fmt::format("{} {}\n", name, value);
}

}  // namespace

std::string Registry::Render() const {
  std::string out;
  out.reserve(8192);
  Head(out, "kefu_connections", "gauge", "Open client connections by kind.");
  out += fmt::format("kefu_connections{{kind=\"http\"}} {}\n", http_connections.Value());
  out += fmt::format("kefu_connections{{kind=\"widget\"}} {}\n", widget_connections.Value());
  One(out, "kefu_http_requests_total", "counter", "HTTP requests answered.",
      http_requests.Value());
  Head(out, "kefu_http_errors_total", "counter", "HTTP error answers by class.");
  out += fmt::format("kefu_http_errors_total{{class=\"4xx\"}} {}\n", http_errors_4xx.Value());
  out += fmt::format("kefu_http_errors_total{{class=\"5xx\"}} {}\n", http_errors_5xx.Value());
  Head(out, "kefu_http_request_seconds", "histogram", "HTTP request handling time.");
  http_request_seconds.Render("kefu_http_request_seconds", "", out);
  One(out, "kefu_messages_in_total", "counter", "Customer messages stored.",
      messages_in.Value());
  One(out, "kefu_messages_out_total", "counter", "Bot and agent messages stored.",
      messages_out.Value());
  One(out, "kefu_messages_duplicate_total", "counter",
      "Resent messages answered with their original seq.", messages_duplicate.Value());
  Head(out, "kefu_messages_rejected_total", "counter", "Messages refused, by reason.");
  out += fmt::format("kefu_messages_rejected_total{{reason=\"busy\"}} {}\n",
                     messages_rejected_busy.Value());
  out += fmt::format("kefu_messages_rejected_total{{reason=\"error\"}} {}\n",
                     messages_rejected_error.Value());
  Head(out, "kefu_ack_seconds", "histogram",
       "Time from reading a customer message to its durable ack.");
  ack_seconds.Render("kefu_ack_seconds", "", out);
  One(out, "kefu_ws_frames_in_total", "counter", "WebSocket frames read.", frames_in.Value());
  One(out, "kefu_ws_frames_out_total", "counter", "WebSocket frames written.",
      frames_out.Value());
  One(out, "kefu_store_commits_total", "counter", "Store group commits.", store_commits.Value());
  One(out, "kefu_store_commit_failures_total", "counter", "Store group commits that failed.",
      store_commit_failures.Value());
  Head(out, "kefu_store_commit_ops", "histogram", "Writes per group commit.");
  store_commit_ops.Render("kefu_store_commit_ops", "", out);
  Head(out, "kefu_store_commit_seconds", "histogram", "Group commit time including fsync.");
  store_commit_seconds.Render("kefu_store_commit_seconds", "", out);
  One(out, "kefu_suggestions_total", "counter",
      "Agent-assist suggestion sets sent to agents.", suggestions.Value());
  if (store_queue_depth) {
    One(out, "kefu_store_queue_depth", "gauge", "Writes waiting for the store's writer.",
        static_cast<double>(store_queue_depth()));
  }
  return out;
}

}  // namespace kefu::metrics
