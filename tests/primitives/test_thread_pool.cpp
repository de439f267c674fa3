#include "weft/thread_pool.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/misuse_recorder.hpp"

using namespace std::chrono_literals;

namespace {

// Per-index run counters: "exactly once" means every entry is 1.
class run_counts {
 public:
  explicit run_counts(std::size_t n) : counts_(n) {}
  void hit(std::size_t i) { counts_[i].fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] std::size_t not_exactly_once() const {
    std::size_t bad = 0;
    for (const auto& c : counts_)
      if (c.load() != 1) ++bad;
    return bad;
  }

 private:
  std::vector<std::atomic<int>> counts_;
};

// A task that blocks its worker until open() is called.
class gate {
 public:
  void wait() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [this] { return open_; });
  }
  void open() {
    {
      std::lock_guard lock(m_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

long fib(weft::thread_pool& pool, int n) {
  if (n < 2) return n;
  auto left = pool.submit([&pool, n] { return fib(pool, n - 1); });
  const long right = fib(pool, n - 2);
  return left.get() + right;
}

long fib_serial(int n) {
  return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2);
}

// Polls `done` (yielding) for up to ten seconds; a broken pool fails the
// REQUIRE instead of hanging the suite.
template <typename F>
bool eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

}  // namespace

TEST_CASE("submit delivers results and exceptions through futures", "[thread_pool]") {
  weft::thread_pool pool(2);

  auto value = pool.submit([] { return 6 * 7; });
  auto nothing = pool.submit([] {});
  auto move_only = pool.submit([] { return std::make_unique<int>(5); });
  auto with_args = pool.submit([](int a, const std::string& b) { return b + std::to_string(a); }, 3,
                               std::string("x"));
  auto failing = pool.submit([]() -> int { throw std::runtime_error("task failed"); });
  auto failing_void = pool.submit([] { throw std::logic_error("void task failed"); });

  CHECK(value.valid());
  CHECK(value.get() == 42);
  CHECK_FALSE(value.valid());
  nothing.get();
  const std::unique_ptr<int> p = move_only.get();
  REQUIRE(p != nullptr);
  CHECK(*p == 5);
  CHECK(with_args.get() == "x3");
  CHECK_THROWS_WITH(failing.get(), "task failed");
  CHECK_THROWS_AS(failing_void.get(), std::logic_error);
}

TEST_CASE("future wait, wait_for, wait_until and ready", "[thread_pool]") {
  weft::thread_pool pool(1);
  gate g;
  auto blocked = pool.submit([&g] {
    g.wait();
    return 1;
  });
  CHECK(blocked.wait_for(1ms) == std::future_status::timeout);
  CHECK(blocked.wait_until(std::chrono::system_clock::now() + 1ms) == std::future_status::timeout);
  CHECK_FALSE(blocked.ready());
  g.open();
  blocked.wait();
  CHECK(blocked.ready());
  CHECK(blocked.wait_for(0ms) == std::future_status::ready);
  CHECK(blocked.get() == 1);

  // A future dropped without waiting does not block and its task still runs.
  std::atomic<bool> ran{false};
  {
    auto dropped = pool.submit([&ran] { ran = true; });
  }
  pool.wait_idle();
  CHECK(ran.load());
}

TEST_CASE("a future without state throws future_error", "[thread_pool]") {
  weft::task_future<int> empty;
  CHECK_FALSE(empty.valid());
#if WEFT_CHECKS
  weft::testing::misuse_recorder recorder;
#endif
  CHECK_THROWS_AS(empty.get(), std::future_error);
  CHECK_THROWS_AS(empty.wait(), std::future_error);
#if WEFT_CHECKS
  const auto reports = recorder.reports();
  REQUIRE(reports.size() == 2);
  CHECK_THAT(reports[0],
             Catch::Contains("weft::task_future") && Catch::Contains("without a state"));
#endif
}

TEST_CASE("every task runs exactly once", "[thread_pool][stress]") {
  const std::size_t workers = GENERATE(as<std::size_t>{}, 1, 2, 4);
  constexpr std::size_t tasks = 100000;
  weft::thread_pool pool(workers);
  run_counts outside(tasks);
  run_counts inside(tasks);

  for (std::size_t i = 0; i < tasks; ++i)
    pool.post([&outside, i] { outside.hit(i); });

  // From inside: 100 tasks each post 1000.
  for (std::size_t block = 0; block < 100; ++block) {
    pool.post([&pool, &inside, block] {
      for (std::size_t j = 0; j < 1000; ++j) {
        const std::size_t i = block * 1000 + j;
        pool.post([&inside, i] { inside.hit(i); });
      }
    });
  }
  pool.wait_idle();
  CHECK(outside.not_exactly_once() == 0);
  CHECK(inside.not_exactly_once() == 0);
  const auto stats = pool.stats();
  CHECK(stats.submitted == 2 * tasks + 100);
  CHECK(stats.submitted_from_outside == tasks + 100);
  CHECK(stats.run == stats.submitted);
  CHECK(stats.stolen <= stats.run);
  CHECK(stats.cancelled == 0);
}

TEST_CASE("fork-join recursion gives the right answer without deadlock", "[thread_pool]") {
  const std::size_t workers = GENERATE(as<std::size_t>{}, 1, 2, 4);
  weft::thread_pool pool(workers);
  CHECK(fib(pool, 18) == fib_serial(18));
  // Started from inside a worker too.
  CHECK(pool.submit([&pool] { return fib(pool, 15); }).get() == fib_serial(15));
  pool.wait_idle();
  const auto stats = pool.stats();
  CHECK(stats.run == stats.submitted);
  if (workers == 1) CHECK(stats.stolen == 0);
}

TEST_CASE("parallel_for covers every index exactly once", "[thread_pool]") {
  const std::size_t workers = GENERATE(as<std::size_t>{}, 1, 3);
  weft::thread_pool pool(workers);
  for (const std::size_t n : {0UL, 1UL, 2UL, 7UL, 1000UL, 54321UL}) {
    for (const std::size_t grain : {0UL, 1UL, 7UL, 1000UL}) {
      run_counts counts(n);
      pool.parallel_for(
          std::size_t{0}, n, [&counts](std::size_t i) { counts.hit(i); }, grain);
      INFO("n = " << n << ", grain = " << grain);
      CHECK(counts.not_exactly_once() == 0);
    }
  }
  // Non-zero, negative and mixed-type bounds.
  run_counts shifted(20);
  pool.parallel_for(-10, 10L,
                    [&shifted](long i) { shifted.hit(static_cast<std::size_t>(i + 10)); });
  CHECK(shifted.not_exactly_once() == 0);
  int calls = 0;
  pool.parallel_for(5, 5, [&calls](int) { ++calls; });
  pool.parallel_for(5, 3, [&calls](int) { ++calls; });
  CHECK(calls == 0);
}

TEST_CASE("parallel_for from inside a worker does not deadlock", "[thread_pool]") {
  const std::size_t workers = GENERATE(as<std::size_t>{}, 1, 2);
  weft::thread_pool pool(workers);
  constexpr std::size_t outer = 8;
  constexpr std::size_t inner = 500;
  run_counts counts(outer * inner);
  pool.parallel_for(
      std::size_t{0}, outer,
      [&](std::size_t o) {
        pool.parallel_for(
            std::size_t{0}, inner, [&](std::size_t i) { counts.hit(o * inner + i); }, 16);
      },
      1);
  CHECK(counts.not_exactly_once() == 0);
  auto nested = pool.submit([&] {
    std::atomic<long> sum{0};
    pool.parallel_for(0, 1000, [&sum](int i) { sum += i; });
    return sum.load();
  });
  CHECK(nested.get() == 999L * 1000 / 2);
}

TEST_CASE("parallel_for rethrows a body's exception", "[thread_pool]") {
  const std::size_t workers = GENERATE(as<std::size_t>{}, 1, 2);
  weft::thread_pool pool(workers);
  CHECK_THROWS_WITH(pool.parallel_for(0, 10000,
                                      [](int i) {
                                        if (i == 4321) throw std::runtime_error("bad index");
                                      }),
                    "bad index");
  // From inside a worker, and when several bodies throw: one of them wins.
  auto inner = pool.submit([&pool] {
    pool.parallel_for(
        0, 1000,
        [](int i) {
          if (i % 100 == 0) throw std::out_of_range(std::to_string(i));
        },
        10);
  });
  CHECK_THROWS_AS(inner.get(), std::out_of_range);
  // The pool is still healthy afterwards.
  std::atomic<int> sum{0};
  pool.parallel_for(0, 100, [&sum](int) { ++sum; });
  CHECK(sum.load() == 100);
  pool.wait_idle();
  const auto stats = pool.stats();
  CHECK(stats.run == stats.submitted);
}

TEST_CASE("bulk submission runs every task and keeps futures in order", "[thread_pool]") {
  weft::thread_pool pool(2);
  std::atomic<int> count{0};
  std::vector<std::function<void()>> jobs;
  for (int i = 0; i < 1000; ++i)
    jobs.emplace_back([&count] { ++count; });
  pool.post_bulk(jobs);  // copied: jobs stay usable
  CHECK(jobs.size() == 1000);
  CHECK(static_cast<bool>(jobs.front()));
  pool.post_bulk(std::move(jobs));

  std::vector<std::function<int()>> producers;
  for (int i = 0; i < 100; ++i)
    producers.emplace_back([i] { return i * i; });
  auto futures = pool.submit_bulk(producers);
  REQUIRE(futures.size() == 100);
  for (int i = 0; i < 100; ++i)
    CHECK(futures[static_cast<std::size_t>(i)].get() == i * i);

  // From inside a worker, into its own deque.
  auto inner = pool.submit([&pool, &count] {
    std::vector<std::function<void()>> more(50, [&count] { ++count; });
    pool.post_bulk(std::move(more));
  });
  inner.get();
  pool.wait_idle();
  CHECK(count.load() == 2050);
  pool.post_bulk(std::vector<std::function<void()>>{});  // empty: a no-op
}

TEST_CASE("wait_idle waits for every task, including ones tasks submit", "[thread_pool]") {
  const std::size_t workers = GENERATE(as<std::size_t>{}, 1, 4);
  weft::thread_pool pool(workers);
  pool.wait_idle();  // idle from the start
  std::atomic<int> done{0};
  for (int i = 0; i < 100; ++i) {
    pool.post([&pool, &done] {
      pool.post([&done] { ++done; });
      ++done;
    });
  }
  pool.wait_idle();
  CHECK(done.load() == 200);
}

TEST_CASE("tasks submitted from a worker go to its own deque", "[thread_pool]") {
  weft::thread_pool pool(1);
  std::size_t queued_before = 99;
  std::size_t queued_after = 99;
  std::uint64_t outside_before = 99;
  std::uint64_t outside_after = 99;
  auto outer = pool.submit([&] {
    const std::size_t me = pool.current_worker_index().value();
    queued_before = pool.queued_on_worker_for_diagnostics(me);
    outside_before = pool.stats().submitted_from_outside;
    auto child = pool.submit([] { return 7; });
    queued_after = pool.queued_on_worker_for_diagnostics(me);
    outside_after = pool.stats().submitted_from_outside;
    return child.get();
  });
  CHECK(outer.get() == 7);
  CHECK_FALSE(pool.current_worker_index().has_value());
  CHECK(queued_before == 0);
  CHECK(queued_after == 1);
  CHECK(outside_before == 1);
  CHECK(outside_after == 1);
  pool.wait_idle();
  CHECK(pool.stats().submitted == 2);
}

TEST_CASE("idle workers park", "[thread_pool]") {
  const std::size_t workers = GENERATE(as<std::size_t>{}, 1, 3);
  weft::thread_pool pool(workers);
  // parked_workers_for_diagnostics() counts a worker as soon as it announces
  // that it is going to sleep; it counts the park in stats() a moment later,
  // when it really goes to sleep (it stays awake instead if work arrived in
  // between), so park counts are awaited, and only lower bounds that hold in
  // every interleaving are asserted.
  REQUIRE(eventually([&] { return pool.parked_workers_for_diagnostics() == workers; }));
  CHECK(eventually([&] { return pool.stats().parks >= workers; }));
  const std::uint64_t parks_before = pool.stats().parks;
  // Parked workers wake for new work, repeatedly.
  for (int round = 0; round < 20; ++round) {
    CHECK(pool.submit([round] { return round; }).get() == round);
    REQUIRE(eventually([&] { return pool.parked_workers_for_diagnostics() == workers; }));
  }
  // The worker that ran the last task went back to sleep.
  CHECK(eventually([&] { return pool.stats().parks > parks_before; }));
}

TEST_CASE("shutdown(drain) runs every pending task", "[thread_pool]") {
  weft::thread_pool pool(2);
  std::atomic<int> done{0};
  std::vector<weft::task_future<int>> futures;
  for (int i = 0; i < 1000; ++i) {
    futures.push_back(pool.submit([&done, i] {
      ++done;
      return i;
    }));
  }
  pool.shutdown(weft::drain);
  CHECK(done.load() == 1000);
  for (int i = 0; i < 1000; ++i)
    CHECK(futures[static_cast<std::size_t>(i)].get() == i);
  CHECK(pool.is_shut_down());
  pool.shutdown();  // idempotent
  const auto stats = pool.stats();
  CHECK(stats.run == 1000);
  CHECK(stats.cancelled == 0);
}

TEST_CASE("shutdown(cancel) cancels pending tasks and runs none of them", "[thread_pool]") {
  weft::thread_pool pool(1);
  gate g;
  std::atomic<bool> blocker_started{false};
  auto blocker = pool.submit([&] {
    blocker_started = true;
    g.wait();
    return 1;
  });
  REQUIRE(eventually([&] { return blocker_started.load(); }));
  std::atomic<int> ran{0};
  std::vector<weft::task_future<void>> futures;
  for (int i = 0; i < 100; ++i)
    futures.push_back(pool.submit([&ran] { ++ran; }));
  pool.post([&ran] { ++ran; });

  std::thread stopper([&pool] { pool.shutdown(weft::cancel); });
  REQUIRE(eventually([&] { return pool.is_shut_down(); }));
  g.open();  // the running task finishes
  stopper.join();

  CHECK(ran.load() == 0);
  CHECK(blocker.get() == 1);
  for (auto& f : futures) {
    CHECK(f.ready());
    CHECK_THROWS_AS(f.get(), weft::task_cancelled);
  }
  const auto stats = pool.stats();
  CHECK(stats.cancelled == 101);
  CHECK(stats.run == 1);
  CHECK(stats.run + stats.cancelled == stats.submitted);
}

TEST_CASE("submitting after shutdown throws", "[thread_pool]") {
  weft::thread_pool pool(2);
  pool.shutdown();
  bool ran = false;
  CHECK_THROWS_AS(pool.post([&ran] { ran = true; }), weft::pool_shut_down);
  CHECK_THROWS_WITH(pool.submit([] { return 1; }),
                    Catch::Contains("weft::thread_pool") && Catch::Contains("after shutdown"));
  CHECK_THROWS_AS(pool.parallel_for(0, 10, [&ran](int) { ran = true; }), weft::pool_shut_down);
  std::vector<std::function<void()>> jobs(3, [&ran] { ran = true; });
  CHECK_THROWS_AS(pool.post_bulk(jobs), weft::pool_shut_down);
  CHECK_THROWS_AS(pool.submit_bulk(jobs), weft::pool_shut_down);
  CHECK_FALSE(ran);
  CHECK(pool.stats().submitted == 0);
  // parallel_for on an empty range submits nothing, so it does not throw.
  pool.parallel_for(0, 0, [&ran](int) { ran = true; });
}

TEST_CASE("the destructor drains", "[thread_pool]") {
  std::atomic<int> done{0};
  {
    weft::thread_pool pool(2);
    for (int i = 0; i < 500; ++i) {
      pool.post([&pool, &done] {
        pool.post([&done] { ++done; });  // running tasks may still submit
        ++done;
      });
    }
  }
  CHECK(done.load() == 1000);
}

TEST_CASE("the default pool has one worker per hardware thread", "[thread_pool]") {
  weft::thread_pool pool;
  CHECK(pool.size() == weft::seam::hardware_concurrency());
  CHECK(pool.size() >= 1);
  CHECK_THROWS_AS(weft::thread_pool(0), std::invalid_argument);
}

TEST_CASE("a worker's timed wait helps and times out", "[thread_pool]") {
  weft::thread_pool pool(2);
  // With the other worker busy below, the waiter runs `later` itself.
  auto waiter = pool.submit([&pool] {
    auto later = pool.submit([] { return 2; });
    return later.wait_for(10s) == std::future_status::ready ? later.get() : -1;
  });
  CHECK(waiter.get() == 2);

  // A worker waiting for a task that runs (blocked) on the other worker
  // cannot help it along: its timed wait times out.
  gate g;
  std::atomic<bool> started{false};
  auto blocked = pool.submit([&] {
    started = true;
    g.wait();
    return 3;
  });
  REQUIRE(eventually([&] { return started.load(); }));
  auto timed = pool.submit([&blocked] {
    const bool first = blocked.wait_for(2ms) == std::future_status::timeout;
    const bool second =
        blocked.wait_until(std::chrono::steady_clock::now() + 2ms) == std::future_status::timeout;
    return first && second;
  });
  CHECK(timed.get());
  g.open();
  CHECK(blocked.get() == 3);
}

#if WEFT_CHECKS
TEST_CASE("misuse of a thread pool from its own workers is reported", "[thread_pool][misuse]") {
  weft::testing::misuse_recorder recorder;
  weft::thread_pool pool(1);

  SECTION("wait_idle from a worker throws instead of deadlocking") {
    auto f = pool.submit([&pool] { pool.wait_idle(); });
    CHECK_THROWS_AS(f.get(), std::logic_error);
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains("weft::thread_pool") && Catch::Contains("wait_idle"));
  }

  SECTION("shutdown from a worker throws instead of deadlocking") {
    auto f = pool.submit([&pool] { pool.shutdown(); });
    CHECK_THROWS_AS(f.get(), std::logic_error);
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains("shutdown"));
    CHECK_FALSE(pool.is_shut_down());
  }
}
#endif

TEST_CASE("park and wake-up cycles lose no wake-up", "[thread_pool][stress]") {
  const std::size_t workers = GENERATE(as<std::size_t>{}, 2, 4);
  weft::thread_pool pool(workers);
  // Each round starts while workers are likely going to sleep; a lost
  // wake-up would hang get().
  for (int round = 0; round < 300; ++round) {
    auto f = pool.submit([&pool, round] {
      auto child = pool.submit([round] { return round; });
      return child.get() + 1;
    });
    CHECK(f.get() == round + 1);
    if (round % 50 == 0) std::this_thread::sleep_for(1ms);
  }
  pool.wait_idle();
  const auto stats = pool.stats();
  CHECK(stats.run == stats.submitted);
}

TEST_CASE("concurrent submitters and fork-join from outside threads", "[thread_pool][stress]") {
  const std::size_t workers = GENERATE(as<std::size_t>{}, 1, 2, 4);
  weft::thread_pool pool(workers);
  constexpr int submitters = 3;
  std::atomic<long> total{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < submitters; ++t) {
    threads.emplace_back([&pool, &total] {
      for (int i = 0; i < 20; ++i)
        total += fib(pool, 10);
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(total.load() == submitters * 20 * fib_serial(10));
  pool.wait_idle();
  const auto stats = pool.stats();
  CHECK(stats.run == stats.submitted);
  CHECK(stats.stolen <= stats.run);
}

TEST_CASE("shutdown racing with submitters loses no accepted task", "[thread_pool][stress]") {
  const auto mode = GENERATE(weft::drain, weft::cancel);
  std::atomic<long> accepted{0};
  std::atomic<long> ran{0};
  std::atomic<long> cancelled{0};
  std::vector<std::thread> threads;
  {
    weft::thread_pool pool(2);
    std::atomic<bool> go{false};
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&] {
        while (!go.load())
          std::this_thread::yield();
        for (;;) {
          try {
            auto f = pool.submit([&ran] { ++ran; });
            ++accepted;
            try {
              if (accepted.load() % 64 == 0) f.get();
            } catch (const weft::task_cancelled&) {
              ++cancelled;
            }
          } catch (const weft::pool_shut_down&) {
            return;
          }
        }
      });
    }
    go = true;
    std::this_thread::sleep_for(2ms);
    pool.shutdown(mode);
    for (auto& t : threads)
      t.join();
    const auto stats = pool.stats();
    CHECK(stats.submitted == static_cast<std::uint64_t>(accepted.load()));
    CHECK(stats.run == static_cast<std::uint64_t>(ran.load()));
    CHECK(stats.run + stats.cancelled == stats.submitted);
    if (mode == weft::drain) CHECK(stats.cancelled == 0);
  }
}
