// PCT: the strategy driven directly (priorities, change points, yields), and
// weft::check with strategy_kind::pct on bugs of known depth.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "rt/pct.hpp"
#include "support/checker_programs.hpp"
#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/thread.hpp"

namespace {

using weft::rt::pct_strategy;
using weft::rt::thread_choice;
using weft::seam::thread_id;

// A choice where `current` simply reached its next scheduling point.
thread_choice at(const std::vector<thread_id>& enabled, thread_id current) {
  return thread_choice{enabled, current, current != 0, false};
}

std::vector<thread_id> sorted(std::vector<thread_id> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<thread_id> first_n(std::size_t n) {
  std::vector<thread_id> ids;
  for (std::size_t i = 1; i <= n; ++i)
    ids.push_back(static_cast<thread_id>(i));
  return ids;
}

}  // namespace

TEST_CASE("pct: priorities are a permutation of the threads seen", "[checker][pct]") {
  pct_strategy pct(GENERATE(1U, 2U, 3U), 3);
  for (int execution = 0; execution < 3; ++execution) {
    REQUIRE(pct.begin_execution());
    thread_id current = 0;
    // Threads appear one by one (each spawned by a running one), and some
    // yield on the way.
    for (std::size_t n = 1; n <= 8; ++n) {
      const std::vector<thread_id> enabled = first_n(n);
      thread_choice choice = at(enabled, current);
      choice.yielded = current != 0 && n % 3 == 0;
      current = *pct.pick_thread(choice);
      CHECK(std::find(enabled.begin(), enabled.end(), current) != enabled.end());
      CHECK(sorted(pct.priority_order()) == enabled);
    }
    pct.end_execution();
  }
}

TEST_CASE("pct: the initial priority order is uniform, also for threads that arrive late",
          "[checker][pct]") {
  // Three threads at once, or one at a time: either way each is the
  // highest-priority one in a third of the executions.
  const bool staggered = GENERATE(false, true);
  pct_strategy pct(42, 1);
  std::array<int, 4> highest{};
  constexpr int executions = 3000;
  for (int i = 0; i < executions; ++i) {
    REQUIRE(pct.begin_execution());
    thread_id t = 0;
    if (staggered) {
      t = *pct.pick_thread(at({1}, 0));
      t = *pct.pick_thread(at({1, 2}, t));
    }
    t = *pct.pick_thread(at({1, 2, 3}, t));
    ++highest[t];
    pct.end_execution();
  }
  for (thread_id t = 1; t <= 3; ++t) {
    INFO("thread " << t);
    CHECK(highest[t] > executions / 3 - 200);
    CHECK(highest[t] < executions / 3 + 200);
  }
}

TEST_CASE("pct: with depth 1 a running thread is never preempted", "[checker][pct]") {
  // Threads block and unblock at random; priorities never change, so the
  // pick is always the first enabled thread of the order fixed at the start,
  // and a running thread keeps running while no higher one becomes enabled.
  const std::uint64_t seed = GENERATE(1U, 7U, 99U);
  pct_strategy pct(seed, 1);
  weft::rt::xoshiro256 world(seed + 1000);
  for (int execution = 0; execution < 20; ++execution) {
    REQUIRE(pct.begin_execution());
    CHECK(pct.change_points().empty());
    std::vector<thread_id> enabled = first_n(5);
    thread_id running = *pct.pick_thread(at(enabled, 0));
    const std::vector<thread_id> order = pct.priority_order();
    for (int step = 0; step < 200; ++step) {
      std::vector<thread_id> next;
      for (thread_id t = 1; t <= 5; ++t) {
        if (world.below(4) != 0) next.push_back(t);
      }
      if (next.empty()) next.push_back(running);
      const bool gained = std::any_of(next.begin(), next.end(), [&](thread_id t) {
        return std::find(enabled.begin(), enabled.end(), t) == enabled.end();
      });
      const bool running_enabled = std::find(next.begin(), next.end(), running) != next.end();
      const thread_id picked = *pct.pick_thread(at(next, running_enabled ? running : 0));
      const thread_id expected = *std::find_if(order.begin(), order.end(), [&](thread_id t) {
        return std::find(next.begin(), next.end(), t) != next.end();
      });
      REQUIRE(picked == expected);
      if (running_enabled && !gained) REQUIRE(picked == running);
      running = picked;
      enabled = next;
    }
    CHECK(pct.changes_made() == 0);
    CHECK(pct.priority_order() == order);
    pct.end_execution();
  }
}

TEST_CASE("pct: depth d switches threads at exactly d - 1 change points", "[checker][pct]") {
  const std::uint32_t depth = GENERATE(1U, 2U, 3U, 5U);
  pct_strategy pct(GENERATE(3U, 4U), depth);
  // Five threads stay enabled throughout, so a change point always leaves
  // a thread with an initial priority to switch to.
  const std::vector<thread_id> enabled = first_n(5);

  auto run = [&](std::uint64_t length) {
    REQUIRE(pct.begin_execution());
    const std::span<const std::uint64_t> points = pct.change_points();
    REQUIRE(points.size() == depth - 1);
    std::vector<std::uint64_t> distinct(points.begin(), points.end());
    std::sort(distinct.begin(), distinct.end());
    CHECK(std::adjacent_find(distinct.begin(), distinct.end()) == distinct.end());
    for (const std::uint64_t p : points) {
      CHECK(p >= 1);
      CHECK(p <= pct.step_estimate());
    }
    thread_id running = 0;
    for (std::uint64_t step = 1; step <= length; ++step) {
      INFO("step " << step);
      const thread_id picked = *pct.pick_thread(at(enabled, running));
      const auto reached = static_cast<std::uint32_t>(
          std::count_if(points.begin(), points.end(), [&](std::uint64_t p) { return p <= step; }));
      CHECK(pct.changes_made() == reached);
      // The running thread is switched away from exactly at change points
      // (at step 1 nothing runs yet).
      const bool change = std::find(points.begin(), points.end(), step) != points.end();
      if (running != 0) CHECK((picked != running) == change);
      running = picked;
    }
    CHECK(pct.steps() == length);
    pct.end_execution();
    return pct.changes_made();
  };

  // Longer than the first estimate (32): every change point is reached.
  CHECK(pct.step_estimate() == 32);
  CHECK(run(100) == depth - 1);
  // The estimate is now the longest execution seen.
  CHECK(pct.step_estimate() == 100);
  CHECK(run(100) == depth - 1);
  // A shorter execution reaches only the change points within it.
  CHECK(run(10) <= depth - 1);
  CHECK(pct.step_estimate() == 100);
}

TEST_CASE("pct: k is the longest execution seen, even below the first guess", "[checker][pct]") {
  pct_strategy pct(9, 3);
  const std::vector<thread_id> enabled{1, 2};
  for (const std::uint64_t length : {7U, 5U, 12U, 3U}) {
    REQUIRE(pct.begin_execution());
    thread_id running = 0;
    for (std::uint64_t step = 0; step < length; ++step)
      running = *pct.pick_thread(at(enabled, running));
    pct.end_execution();
  }
  CHECK(pct.step_estimate() == 12);
  // Without end_execution, begin_execution records the length.
  REQUIRE(pct.begin_execution());
  for (int step = 0; step < 20; ++step)
    static_cast<void>(pct.pick_thread(at(enabled, 0)));
  REQUIRE(pct.begin_execution());
  CHECK(pct.step_estimate() == 20);
  for (const std::uint64_t p : pct.change_points())
    CHECK(p <= 20);
}

TEST_CASE("pct: change points cover every step of 1..k", "[checker][pct]") {
  pct_strategy pct(5, 2);
  std::array<int, 41> hits{};
  constexpr int executions = 2000;
  for (int i = 0; i < executions; ++i) {
    REQUIRE(pct.begin_execution());
    thread_id running = 0;
    for (int step = 0; step < 40; ++step)
      running = *pct.pick_thread(at({1, 2}, running));
    pct.end_execution();
    if (i > 0) ++hits.at(pct.change_points().front());  // k is 40 from the second on
  }
  CHECK(hits[0] == 0);
  for (std::size_t step = 1; step <= 40; ++step) {
    INFO("step " << step);
    CHECK(hits[step] > 15);  // 50 expected
  }
}

TEST_CASE("pct: a yielding thread drops below every other thread", "[checker][pct]") {
  pct_strategy pct(GENERATE(1U, 2U, 3U, 4U), 1);
  REQUIRE(pct.begin_execution());
  const std::vector<thread_id> all = first_n(4);
  thread_id running = *pct.pick_thread(at(all, 0));
  // Each thread in turn spins: the next-highest runs, whatever the initial
  // order, and the spinner ranks last.
  for (int round = 0; round < 8; ++round) {
    const thread_id spinner = running;
    running = *pct.pick_thread(thread_choice{all, spinner, false, true});
    CHECK(running != spinner);
    CHECK(pct.priority_order().back() == spinner);
    CHECK(pct.priority_order().size() == 4);
  }
  // Yields are not change points.
  CHECK(pct.changes_made() == 0);
}

TEST_CASE("pct: a spinning thread cannot starve the thread it waits for", "[checker][pct]") {
  // Thread 1 spins (yields at every step) until thread 2 has taken 5 steps.
  pct_strategy pct(GENERATE(1U, 2U, 3U), 2);
  REQUIRE(pct.begin_execution());
  const std::vector<thread_id> both{1, 2};
  thread_id running = *pct.pick_thread(at(both, 0));
  int progress = 0;
  for (int step = 0; step < 20 && progress < 5; ++step) {
    running = *pct.pick_thread(thread_choice{both, running, false, running == 1});
    if (running == 2) ++progress;
  }
  CHECK(progress == 5);
}

TEST_CASE("pct: other choices are uniform", "[checker][pct]") {
  pct_strategy pct(11, 3);
  REQUIRE(pct.begin_execution());
  std::array<int, 5> seen{};
  for (int i = 0; i < 1000; ++i) {
    const std::uint32_t c = *pct.pick(5);
    REQUIRE(c < 5);
    ++seen.at(c);
  }
  for (const int count : seen)
    CHECK(count > 150);  // 200 expected
}

namespace {

using weft::testing::fixed_counter;
using weft::testing::philosophers;
using weft::testing::racy_counter;

weft::check_options pct_options(std::uint32_t depth, std::uint64_t seed) {
  weft::check_options options;
  options.strategy = weft::strategy_kind::pct;
  options.pct_depth = depth;
  options.seed = seed;
  options.executions = 1000;
  return options;
}

}  // namespace

TEST_CASE("pct check: depth 2 finds the lost update of a racy counter", "[checker][pct]") {
  const std::uint64_t seed = GENERATE(1U, 2U, 3U, 0x5eedU);
  const weft::report r = weft::check(racy_counter, pct_options(2, seed));
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::assertion);
  CHECK(r.message.find("counter.load() == 2") != std::string::npos);
  // The token replays the failure without PCT.
  const weft::report again = weft::replay(racy_counter, r.token);
  CHECK(again.kind == weft::finding_kind::assertion);
}

TEST_CASE("pct check: depth 1 cannot find the lost update, which needs a preemption",
          "[checker][pct]") {
  // Without change points a thread runs until it blocks or ends, unless a
  // thread it creates outranks it; neither increment creates one, so its
  // load and store are never separated.
  const std::uint64_t seed = GENERATE(1U, 2U, 3U, 0x5eedU);
  weft::check_options options = pct_options(1, seed);
  options.executions = 300;
  const weft::report r = weft::check(racy_counter, options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.executions == 300);
}

TEST_CASE("pct check: the naive dining philosophers deadlock", "[checker][pct]") {
  const std::uint32_t depth = GENERATE(2U, 3U);
  const std::uint64_t seed = GENERATE(1U, 2U, 0x5eedU);
  const weft::report r = weft::check([] { philosophers(3, false); }, pct_options(depth, seed));
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::deadlock);
  for (const char* fork : {"mutex#1", "mutex#2", "mutex#3"})
    CHECK(r.message.find(fork) != std::string::npos);
}

TEST_CASE("pct check: fixed variants pass", "[checker][pct]") {
  const std::uint32_t depth = GENERATE(1U, 2U, 3U);
  const bool philosophers_case = GENERATE(false, true);
  weft::check_options options = pct_options(depth, 0x5eed);
  options.executions = 300;
  const weft::report r = philosophers_case ? weft::check([] { philosophers(3, true); }, options)
                                           : weft::check(fixed_counter, options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.executions == 300);
}

TEST_CASE("pct check: a thread that spins with yields lets the others run", "[checker][pct]") {
  // Under strict priorities a spinner that outranks the thread it waits for
  // would spin until max_steps; dropping it at each yield avoids that.
  weft::check_options options = pct_options(GENERATE(1U, 3U), 0x5eed);
  options.executions = 200;
  options.max_steps = 500;
  const weft::report r = weft::check(
      [] {
        weft::atomic<bool> ready{false};
        weft::thread waiter([&ready] {
          while (!ready.load())
            weft::this_thread::yield();
        });
        weft::thread setter([&ready] { ready.store(true); });
        waiter.join();
        setter.join();
      },
      options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.executions == 200);
}
