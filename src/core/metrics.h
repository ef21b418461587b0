// Counters, gauges and histograms rendered in the Prometheus text format.
// All thread-safe and lock-free on the hot path (atomics).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kefu::metrics {

class Counter {
 public:
  void Inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void Add(int64_t n) { v_.fetch_add(n, std::memory_order_relaxed); }
  void Set(int64_t n) { v_.store(n, std::memory_order_relaxed); }
  int64_t Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Fixed upper bounds (ascending), observations in the bounds' unit.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Appends `name_bucket{le=..}`, `name_sum`, `name_count` lines.
  void Render(const std::string& name, const std::string& labels, std::string& out) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};  // sum * 1e9, to stay integral
};

// Latency buckets in seconds: 50 µs .. 10 s.
std::vector<double> LatencyBuckets();
// Size buckets: 1, 2, 4, ... 4096.
std::vector<double> SizeBuckets();

// The process's metrics. Members are named for what they count.
struct Registry {
  Gauge http_connections;
  Gauge widget_connections;
  Counter http_requests;
  Counter http_errors_4xx;
  Counter http_errors_5xx;
  Histogram http_request_seconds{LatencyBuckets()};
  Counter messages_in;          // customer messages stored (not duplicates)
  Counter messages_out;         // bot/agent messages stored
  Counter messages_duplicate;   // resends answered with the original seq
  Counter messages_rejected_busy;
  Counter messages_rejected_error;
  Histogram ack_seconds{LatencyBuckets()};     // frame read -> ack queued
  Counter frames_in;
  Counter frames_out;
  Counter store_commits;
  Counter store_commit_failures;
  Histogram store_commit_ops{SizeBuckets()};
  Histogram store_commit_seconds{LatencyBuckets()};
  Counter suggestions;  // agent-assist suggestion sets sent to agents
  std::function<int64_t()> store_queue_depth;  // may be empty

  // The whole registry in Prometheus text format (version 0.0.4).
  std::string Render() const;
};

}  // namespace kefu::metrics
