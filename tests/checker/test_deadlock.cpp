// Deadlocks and lost wake-ups, found and explained.
#include <catch2/catch.hpp>
#include <mutex>

#include "support/checker_programs.hpp"
#include "weft/check.hpp"
#include "weft/condition_variable.hpp"
#include "weft/mutex.hpp"
#include "weft/thread.hpp"

using weft::testing::philosophers;

TEST_CASE("deadlock: naive dining philosophers deadlock, with the cycle named", "[checker]") {
  const int n = GENERATE(2, 3);
  const weft::report r = weft::check([n] { philosophers(n, false); });
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::deadlock);
  CHECK(r.message.find("cycle: ") != std::string::npos);
  for (int i = 1; i <= n; ++i) {
    CHECK(r.message.find("mutex#" + std::to_string(i)) != std::string::npos);
  }
  // Every blocked philosopher, and main joining, is listed.
  CHECK(r.details.size() == static_cast<std::size_t>(n) + 1);
  int locks = 0;
  for (const std::string& d : r.details) {
    // The runtime detector's wording (weft/internal/wait_for_graph.hpp),
    // with where the holder took the lock.
    if (d.find("blocked in weft::mutex::lock on mutex#") != std::string::npos &&
        d.find("held by thread") != std::string::npos &&
        d.find(" took it at ") != std::string::npos) {
      ++locks;
    }
  }
  CHECK(locks == n);
  CHECK(r.trace.back().operation == "deadlock");
}

TEST_CASE("deadlock: ordered dining philosophers pass", "[checker]") {
  const int n = GENERATE(2, 3, 5);
  weft::check_options options;
  options.executions = 300;
  const weft::report r = weft::check([n] { philosophers(n, true); }, options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
}

TEST_CASE("deadlock: a notify before the wait is a lost wake-up", "[checker]") {
  const weft::report r = weft::check([] {
    weft::mutex m;
    weft::condition_variable cv;
    weft::thread waiter([&] {
      std::unique_lock lock(m);
      cv.wait(lock);  // no predicate: misses a notify that came first
    });
    cv.notify_one();
    waiter.join();
  });
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::deadlock);
  bool names_cv = false;
  for (const std::string& d : r.details) {
    if (d.find("weft::condition_variable::wait on condition_variable#1") != std::string::npos) {
      names_cv = true;
    }
  }
  CHECK(names_cv);
}

TEST_CASE("deadlock: waiting with a predicate has no lost wake-up", "[checker]") {
  weft::check_options options;
  options.executions = 300;
  const weft::report r = weft::check(
      [] {
        weft::mutex m;
        weft::condition_variable cv;
        bool ready = false;
        weft::thread waiter([&] {
          std::unique_lock lock(m);
          cv.wait(lock, [&] { return ready; });
        });
        {
          std::lock_guard guard(m);
          ready = true;
        }
        cv.notify_one();
        waiter.join();
      },
      options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
}

TEST_CASE("deadlock: a timed wait times out instead of deadlocking", "[checker]") {
  const bool timeouts = GENERATE(true, false);
  weft::check_options options;
  options.executions = 200;
  options.timeouts = timeouts;
  const weft::report r = weft::check(
      [] {
        weft::mutex m;
        weft::condition_variable cv;
        std::unique_lock lock(m);
        const bool woken = cv.wait_for(lock, std::chrono::seconds(1), [] { return false; });
        WEFT_ASSERT(!woken);
      },
      options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
}
