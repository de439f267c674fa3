// weft::check at scenario grain: what it finds, what it passes, and how it
// reports.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>

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
