// weft::thread_pool under the checker. At scenario grain the pool and its
// futures are transparent operations (seam::op_body): their own steps stay
// scheduling points, they order the submitter, the task and the waiter by
// their atomics, and a task that a worker runs while helping inside get()
// is checked as if it ran on its own. At implementation grain: the park
// regression.
#include <catch2/catch.hpp>
#include <mutex>
#include <string>

#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/mutex.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"
#include "weft/thread_pool.hpp"

namespace {

// Bounded, so that a hang shows up as a max_steps finding or a short run,
// never as a test that does not end.
weft::check_options pool_options(weft::strategy_kind strategy) {
  weft::check_options options;
  options.strategy = strategy;
  options.executions = strategy == weft::strategy_kind::dfs ? 100 : 300;
  options.max_steps = 5'000;
  return options;
}

bool trace_has(const weft::report& r, std::uint32_t thread, const std::string& operation) {
  for (const weft::trace_step& s : r.trace) {
    if (s.thread == thread && s.operation == operation) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("scenario grain: submit(f).get() from outside the pool terminates and passes",
          "[checker][thread_pool]") {
  const auto strategy =
      GENERATE(weft::strategy_kind::random, weft::strategy_kind::pct, weft::strategy_kind::dfs);
  INFO(weft::to_string(strategy));
  const weft::report r = weft::check(
      [] {
        weft::thread_pool pool(2);
        weft::task_future<int> f = pool.submit([] { return 6 * 7; });
        WEFT_ASSERT(f.get() == 42);
      },
      pool_options(strategy));
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.executions > 0);
}

TEST_CASE("scenario grain: submit orders the submitter's writes before the task",
          "[checker][thread_pool][race]") {
  const auto strategy =
      GENERATE(weft::strategy_kind::random, weft::strategy_kind::pct, weft::strategy_kind::dfs);
  INFO(weft::to_string(strategy));
  const weft::report r = weft::check(
      [] {
        weft::shared<int> input{0};
        weft::shared<int> output{0};
        weft::thread_pool pool(2);
        input.set(1);
        weft::task_future<void> f = pool.submit([&] {
          WEFT_ASSERT(input.get() == 1);
          output.set(2);
        });
        f.get();
        // The task's write happens before get() returns.
        WEFT_ASSERT(output.get() == 2);
      },
      pool_options(strategy));
  INFO(weft::to_string(r));
  CHECK(r.passed());
}

TEST_CASE("scenario grain: wait_idle orders posted tasks before the waiter",
          "[checker][thread_pool][race]") {
  const auto strategy = GENERATE(weft::strategy_kind::random, weft::strategy_kind::pct);
  INFO(weft::to_string(strategy));
  const weft::report r = weft::check(
      [] {
        weft::shared<int> a{0};
        weft::shared<int> b{0};
        weft::thread_pool pool(2);
        a.set(1);
        pool.post([&] { b.set(a.get() + 1); });
        pool.wait_idle();
        WEFT_ASSERT(b.get() == 2);
      },
      pool_options(strategy));
  INFO(weft::to_string(r));
  CHECK(r.passed());
}

// Not dfs: its depth-first order spends its executions on the pool's own
// steps late in the execution (2,000 find nothing).
TEST_CASE("scenario grain: two tasks writing one weft::shared race",
          "[checker][thread_pool][race]") {
  const auto strategy = GENERATE(weft::strategy_kind::random, weft::strategy_kind::pct);
  INFO(weft::to_string(strategy));
  weft::check_options options = pool_options(strategy);
  options.executions = 2'000;
  const weft::report r = weft::check(
      [] {
        weft::shared<int> x{0};
        weft::thread_pool pool(2);
        weft::task_future<void> a = pool.submit([&] { x.set(1); });
        weft::task_future<void> b = pool.submit([&] { x.set(2); });
        a.get();
        b.get();
      },
      options);
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::data_race);
  CHECK(r.message.find("data race on shared#1") != std::string::npos);
}

// One worker: the outer task's get() can only be served by its own worker,
// which runs the inner task while it helps, inside that get().
TEST_CASE("scenario grain: a task run by a helping worker is scheduled like any other",
          "[checker][thread_pool]") {
  const auto strategy = GENERATE(weft::strategy_kind::random, weft::strategy_kind::pct);
  INFO(weft::to_string(strategy));

  SECTION("its lock() calls are scheduling points: the main thread gets in between") {
    weft::check_options options = pool_options(strategy);
    // PCT needed up to 1,375 executions over seeds 1 to 8, random up to 9.
    options.executions = 10'000;
    const weft::report r = weft::check(
        [] {
          weft::mutex m;
          weft::shared<int> x{0};
          weft::atomic<bool> first_done{false};
          weft::thread_pool pool(1);
          weft::task_future<void> outer = pool.submit([&] {
            weft::task_future<void> inner = pool.submit([&] {
              {
                std::lock_guard guard(m);
                x.set(1);
              }
              first_done.store(true);
              std::lock_guard guard(m);
              // Fails if the main thread's critical section ran in between.
              WEFT_ASSERT(x.get() == 1);
            });
            inner.get();
          });
          // Waits for the first critical section, so that a random walk
          // need not delay the main thread through the pool's own steps.
          while (!first_done.load()) {
            weft::this_thread::yield();
          }
          {
            std::lock_guard guard(m);
            x.set(2);
          }
          outer.get();
        },
        options);
    INFO(weft::to_string(r));
    REQUIRE(r.kind == weft::finding_kind::assertion);
    // The worker (thread 2) took the mutex as top-level operations.
    CHECK(trace_has(r, 2, "weft::mutex::lock"));
  }

  SECTION("its unsynchronized access races with the main thread's") {
    weft::check_options options = pool_options(strategy);
    options.executions = 2'000;
    const weft::report r = weft::check(
        [] {
          weft::shared<int> x{0};
          weft::thread_pool pool(1);
          weft::task_future<void> outer = pool.submit([&] {
            weft::task_future<void> inner = pool.submit([&] { x.set(1); });
            inner.get();
          });
          x.set(2);
          outer.get();
        },
        options);
    INFO(weft::to_string(r));
    REQUIRE(r.kind == weft::finding_kind::data_race);
  }

  SECTION("under the mutex it passes") {
    const weft::report r = weft::check(
        [] {
          weft::mutex m;
          weft::shared<int> x{0};
          weft::thread_pool pool(1);
          weft::task_future<void> outer = pool.submit([&] {
            weft::task_future<void> inner = pool.submit([&] {
              std::lock_guard guard(m);
              x.set(x.get() + 1);
            });
            inner.get();
          });
          {
            std::lock_guard guard(m);
            x.set(x.get() + 1);
          }
          outer.get();
          std::lock_guard guard(m);
          WEFT_ASSERT(x.get() == 2);
        },
        pool_options(strategy));
    INFO(weft::to_string(r));
    CHECK(r.passed());
  }
}

// park() yields when it stays awake under a checker: without that, a worker
// that sees work it cannot take yet (another worker holds the injection
// queue's consumer lock) spins without yielding, and PCT, which never
// schedules a lower-priority thread while a higher one can run, reports a
// livelock that is not there.
TEST_CASE("implementation grain: PCT finds no livelock in an idle pool's park loop",
          "[checker][thread_pool]") {
  weft::check_options options;
  options.strategy = weft::strategy_kind::pct;
  options.grain = weft::grain::implementation;
  options.executions = 300;
  const weft::report r = weft::check(
      [] {
        weft::shared<int> done{0};
        weft::mutex m;
        weft::thread_pool pool(2);
        for (int i = 0; i < 2; ++i) {
          pool.post([&] {
            std::lock_guard guard(m);
            done.set(done.get() + 1);
          });
        }
        pool.wait_idle();
        WEFT_ASSERT(done.get() == 2);
      },
      options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.executions == 300);
}
