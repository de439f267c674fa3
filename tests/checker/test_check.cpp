// weft::check at scenario grain: what it finds, what it passes, and how it
// reports.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "support/checker_programs.hpp"
#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/mutex.hpp"
#include "weft/thread.hpp"

using weft::testing::racy_counter;

TEST_CASE("check: the random walk finds the racy counter", "[checker]") {
  const weft::report r = weft::check(racy_counter);
  INFO(weft::to_string(r));
  REQUIRE_FALSE(r.passed());
  CHECK(r.kind == weft::finding_kind::assertion);
  CHECK(r.message.find("WEFT_ASSERT(counter.load() == 2) failed") != std::string::npos);
  CHECK(r.token.rfind("weft1:", 0) == 0);
  REQUIRE_FALSE(r.trace.empty());
  CHECK(r.trace.back().operation == "assertion failure");
  const std::string text = weft::to_string(r);
  CHECK(text.find("replay with: weft::replay(test, \"" + r.token + "\")") != std::string::npos);
  CHECK(text.find("atomic load atomic#1") != std::string::npos);
  // The steps name where the test's code took them: the shared program's
  // lines.
  CHECK(text.find("checker_programs.hpp:") != std::string::npos);
}

TEST_CASE("check: fixed counters pass every execution", "[checker]") {
  const bool use_mutex = GENERATE(false, true);
  weft::check_options options;
  options.executions = 500;
  const weft::report r = weft::check(
      [use_mutex] {
        if (use_mutex) {
          weft::testing::mutex_counter(2, 1);
        } else {
          weft::testing::fixed_counter();
        }
      },
      options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.executions == 500);
  CHECK(r.trace.empty());
}

TEST_CASE("check: an exception escaping a thread is a failure", "[checker]") {
  const weft::report r = weft::check([] {
    weft::thread t([] { throw std::runtime_error("boom"); });
    t.join();
  });
  REQUIRE(r.kind == weft::finding_kind::exception);
  CHECK(r.message.find("thread 2") != std::string::npos);
  CHECK(r.message.find("boom") != std::string::npos);
  CHECK(r.statistics.executions == 1);
}

TEST_CASE("check: a spin loop without progress exceeds max_steps", "[checker]") {
  weft::check_options options;
  options.max_steps = 300;
  const weft::report r = weft::check(
      [] {
        weft::atomic<bool> flag{false};
        weft::thread spinner([&flag] {
          while (!flag.load()) {
          }
        });
        spinner.join();
      },
      options);
  REQUIRE(r.kind == weft::finding_kind::max_steps);
  CHECK(r.message.find("max_steps (300") != std::string::npos);
  CHECK(r.message.find("spin loop") != std::string::npos);
}

TEST_CASE("check: a thread destroyed while joinable is reported", "[checker]") {
  const weft::report r = weft::check([] { weft::thread t([] {}); });
  REQUIRE(r.kind == weft::finding_kind::unjoined_thread);
  CHECK(r.message.find("thread 2") != std::string::npos);
}

TEST_CASE("check: detached threads run to completion", "[checker]") {
  weft::atomic<int> finished{0};
  const weft::report r = weft::check([&finished] {
    weft::thread t([&finished] { finished.fetch_add(1); });
    t.detach();
  });
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(static_cast<std::uint64_t>(finished.load()) == r.statistics.executions);
}

#if WEFT_CHECKS
TEST_CASE("check: a misuse reported by a primitive is a failure", "[checker]") {
  const weft::report r = weft::check([] {
    weft::mutex m;
    m.unlock();
  });
  REQUIRE(r.kind == weft::finding_kind::misuse);
  CHECK(r.message.find("mutex#1") != std::string::npos);
}
#endif

TEST_CASE("check: the JSON report carries the verdict, trace and token", "[checker]") {
  const weft::report r = weft::check(racy_counter);
  const nlohmann::json j = nlohmann::json::parse(weft::to_json(r));
  CHECK(j["verdict"] == "fail");
  CHECK(j["kind"] == "assertion failure");
  CHECK(j["token"] == r.token);
  CHECK(j["trace"].size() == r.trace.size());
  CHECK(j["statistics"]["executions"] == r.statistics.executions);
}

TEST_CASE("check: the time budget ends a long search", "[checker]") {
  weft::check_options options;
  options.executions = UINT64_MAX;
  options.time_budget = std::chrono::milliseconds(50);
  const weft::report r = weft::check([] {}, options);
  CHECK(r.passed());
  CHECK(r.statistics.executions > 0);
  CHECK(r.statistics.executions < UINT64_MAX);
}

namespace {
int g_native_failures = 0;
int g_native_failure_line = 0;
void count_native_failure(const char* /*expression*/, weft::source_location where) {
  ++g_native_failures;
  g_native_failure_line = static_cast<int>(where.line());
}
}  // namespace

TEST_CASE("a native assert handler sees WEFT_ASSERT failures outside a check, and not inside",
          "[checker]") {
  g_native_failures = 0;
  const weft::native_assert_handler previous =
      weft::set_native_assert_handler(count_native_failure);
  CHECK(previous == nullptr);
  const int expected_line = __LINE__ + 1;
  WEFT_ASSERT(g_native_failures == 1);  // fails: the handler returns, the test goes on
  CHECK(g_native_failures == 1);
  CHECK(g_native_failure_line == expected_line);
  const weft::report r = weft::check([] { WEFT_ASSERT(false); });
  CHECK(r.kind == weft::finding_kind::assertion);
  CHECK(g_native_failures == 1);  // a finding of the check, not the handler's
  CHECK(weft::set_native_assert_handler(previous) == count_native_failure);
}

TEST_CASE("on_progress reports a search under way, in order", "[checker]") {
  weft::check_options options;
  options.executions = 2000;
  options.progress_interval = std::chrono::milliseconds(0);  // at every clock reading
  std::vector<weft::progress> seen;
  options.on_progress = [&seen](const weft::progress& p) { seen.push_back(p); };
  const weft::report r = weft::check([] { weft::testing::mutex_counter(2, 1); }, options);
  REQUIRE(r.passed());
  REQUIRE_FALSE(seen.empty());
  for (std::size_t i = 1; i < seen.size(); ++i) {
    CHECK(seen[i].executions > seen[i - 1].executions);
    CHECK(seen[i].seconds >= seen[i - 1].seconds);
  }
  CHECK(seen.back().executions < r.statistics.executions);
}
