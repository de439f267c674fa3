// Every strategy on the same known answers: it finds the racy counter and
// the naive dining philosophers' deadlock, and passes the fixed variants
// (the systematic strategies exhaustively). And weft's own primitives,
// checked exhaustively at implementation grain.
#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "support/checker_programs.hpp"
#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/condition_variable.hpp"
#include "weft/mutex.hpp"
#include "weft/semaphore.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

namespace {

struct named_strategy {
  weft::strategy_kind kind;
  const char* name;
};

weft::check_options options_for(weft::strategy_kind kind) {
  weft::check_options o;
  o.strategy = kind;
  if (kind == weft::strategy_kind::dfs || kind == weft::strategy_kind::preemption_bounding) {
    o.executions = 1'000'000;
    o.time_budget = std::chrono::minutes(2);
  }
  return o;
}

bool systematic(weft::strategy_kind kind) {
  return kind == weft::strategy_kind::dfs || kind == weft::strategy_kind::preemption_bounding;
}

using weft::testing::fixed_counter;
using weft::testing::philosophers;
using weft::testing::racy_counter;

}  // namespace

TEST_CASE("strategies: each finds the racy counter and passes the fixed one",
          "[checker][strategies]") {
  const named_strategy s =
      GENERATE(named_strategy{weft::strategy_kind::random, "random"},
               named_strategy{weft::strategy_kind::pct, "pct"},
               named_strategy{weft::strategy_kind::dfs, "dfs"},
               named_strategy{weft::strategy_kind::preemption_bounding, "preemption_bounding"});
  CAPTURE(s.name);
  const weft::report bug = weft::check(racy_counter, options_for(s.kind));
  INFO(weft::to_string(bug));
  CHECK(bug.kind == weft::finding_kind::assertion);
  const weft::report ok = weft::check(fixed_counter, options_for(s.kind));
  INFO(weft::to_string(ok));
  CHECK(ok.passed());
  if (systematic(s.kind)) CHECK(ok.statistics.exhausted);
}

TEST_CASE("strategies: each finds the naive philosophers' deadlock and passes ordered forks",
          "[checker][strategies]") {
  const named_strategy s =
      GENERATE(named_strategy{weft::strategy_kind::random, "random"},
               named_strategy{weft::strategy_kind::pct, "pct"},
               named_strategy{weft::strategy_kind::dfs, "dfs"},
               named_strategy{weft::strategy_kind::preemption_bounding, "preemption_bounding"});
  // Five philosophers too, except for preemption bounding, whose full
  // search of the fixed variant within two preemptions is long.
  const int n = s.kind == weft::strategy_kind::preemption_bounding ? 3 : GENERATE(3, 5);
  CAPTURE(s.name, n);
  const weft::report bug = weft::check([n] { philosophers(n, false); }, options_for(s.kind));
  INFO(weft::to_string(bug));
  CHECK(bug.kind == weft::finding_kind::deadlock);
  const weft::report ok = weft::check([n] { philosophers(n, true); }, options_for(s.kind));
  INFO(weft::to_string(ok));
  CHECK(ok.passed());
  if (systematic(s.kind)) CHECK(ok.statistics.exhausted);
}

TEST_CASE("strategies: the finding replays from its token under every strategy",
          "[checker][strategies]") {
  const named_strategy s =
      GENERATE(named_strategy{weft::strategy_kind::random, "random"},
               named_strategy{weft::strategy_kind::pct, "pct"},
               named_strategy{weft::strategy_kind::dfs, "dfs"},
               named_strategy{weft::strategy_kind::preemption_bounding, "preemption_bounding"});
  CAPTURE(s.name);
  const weft::report found = weft::check(racy_counter, options_for(s.kind));
  REQUIRE_FALSE(found.passed());
  const weft::report again = weft::replay(racy_counter, found.token);
  CHECK(again.kind == found.kind);
  REQUIRE(again.trace.size() == found.trace.size());
  for (std::size_t i = 0; i < found.trace.size(); ++i) {
    CHECK(again.trace[i].operation == found.trace[i].operation);
    CHECK(again.trace[i].thread == found.trace[i].thread);
    CHECK(again.trace[i].detail == found.trace[i].detail);
  }
}

TEST_CASE("implementation grain, exhaustively: weft::mutex excludes", "[checker][strategies]") {
  weft::check_options o = options_for(weft::strategy_kind::dfs);
  o.grain = weft::grain::implementation;
  const weft::report r = weft::check(
      [] {
        weft::mutex m;
        weft::shared<int> inside{0};
        auto body = [&] {
          m.lock();
          inside.set(inside.get() + 1);
          WEFT_ASSERT(inside.get() == 1);
          inside.set(inside.get() - 1);
          m.unlock();
        };
        weft::thread a(body), b(body);
        a.join();
        b.join();
      },
      o);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.exhausted);
}

TEST_CASE("implementation grain, exhaustively: a semaphore hand-off", "[checker][strategies]") {
  weft::check_options o = options_for(weft::strategy_kind::dfs);
  o.grain = weft::grain::implementation;
  const weft::report r = weft::check(
      [] {
        weft::binary_semaphore ready{0};
        weft::shared<int> data{0};
        weft::thread producer([&] {
          data.set(42);
          ready.release();
        });
        ready.acquire();
        WEFT_ASSERT(data.get() == 42);
        producer.join();
      },
      o);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.exhausted);
}
