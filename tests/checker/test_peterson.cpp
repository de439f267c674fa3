// Known answers with Peterson's lock for two threads: the checker must pass
// the correct algorithm with seq_cst atomics and find the failure of each
// broken variant, under every search strategy.
//
// Each thread enters the critical section `entries` times. Inside, a relaxed
// counter of threads in the critical section must be 0 on entry (mutual
// exclusion, WEFT_ASSERT) and a weft::shared counter is incremented (data
// races). The in-section counter is relaxed so that it adds no
// happens-before edge of its own: whatever orders the critical sections must
// come from the lock.
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>

#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/shared.hpp"
#include "weft/testing/catch2.hpp"
#include "weft/thread.hpp"

namespace {

enum class algorithm : std::uint8_t {
  // flag[me] = true; turn = other; wait while flag[other] && turn == other.
  peterson,
  // Without `turn`: wait while flag[other], then flag[me] = true. Both can
  // pass the wait before either sets its flag: no mutual exclusion.
  check_then_set,
  // Without `turn`: flag[me] = true, then wait while flag[other]. Mutually
  // exclusive, but both can set their flag and then wait forever.
  set_then_check,
};

// What the critical section does, so that each broken variant fails in
// exactly one way.
struct probes {
  bool occupancy = true;  // WEFT_ASSERT that nobody else is inside
  bool data = true;       // increment a weft::shared counter
};

class two_thread_lock {
 public:
  two_thread_lock(algorithm a, std::memory_order order) : algorithm_(a), order_(order) {}

  void lock(int me) {
    const int other = 1 - me;
    switch (algorithm_) {
      case algorithm::peterson:
        flag_[me].store(true, order_);
        turn_.store(other, order_);
        while (flag_[other].load(order_) && turn_.load(order_) == other) {
          weft::this_thread::yield();
        }
        break;
      case algorithm::check_then_set:
        while (flag_[other].load(order_)) {
          weft::this_thread::yield();
        }
        flag_[me].store(true, order_);
        break;
      case algorithm::set_then_check:
        flag_[me].store(true, order_);
        while (flag_[other].load(order_)) {
          weft::this_thread::yield();
        }
        break;
    }
  }

  void unlock(int me) { flag_[me].store(false, order_); }

 private:
  algorithm algorithm_;
  std::memory_order order_;
  weft::atomic<bool> flag_[2]{false, false};
  weft::atomic<int> turn_{0};
};

// The test body: two threads, each taking the lock `entries` times.
auto contend(algorithm a, std::memory_order order, probes p, int entries) {
  return [=] {
    two_thread_lock lock(a, order);
    weft::atomic<int> inside{0};
    weft::shared<int> count{0};
    auto body = [&](int me) {
      for (int i = 0; i < entries; ++i) {
        lock.lock(me);
        if (p.occupancy) WEFT_ASSERT(inside.fetch_add(1, std::memory_order_relaxed) == 0);
        if (p.data) count.set(count.get() + 1);
        if (p.occupancy) inside.fetch_sub(1, std::memory_order_relaxed);
        lock.unlock(me);
      }
    };
    weft::thread first(body, 0);
    weft::thread second(body, 1);
    first.join();
    second.join();
    if (p.data) WEFT_ASSERT(count.get() == 2 * entries);
  };
}

weft::check_options options_for(weft::strategy_kind strategy) {
  weft::check_options options;
  options.strategy = strategy;
  // Enough for random and PCT to find each bug many times over. The
  // systematic searches get room to exhaust their trees (DFS needs about
  // 1,700 executions for the two-entry case), which ends them first.
  const bool systematic =
      strategy == weft::strategy_kind::dfs || strategy == weft::strategy_kind::preemption_bounding;
  options.executions = systematic ? 50'000 : 2000;
  // The searches end by exhausting their trees; the budget only guards
  // (a loaded machine under a sanitizer can be slow).
  if (systematic) options.time_budget = std::chrono::minutes(5);
  options.max_steps = 1000;
  return options;
}

// The strategies every case runs under.
constexpr std::array strategies = {weft::strategy_kind::random, weft::strategy_kind::pct,
                                   weft::strategy_kind::dfs,
                                   weft::strategy_kind::preemption_bounding};

}  // namespace

TEST_CASE("peterson: the seq_cst lock is mutually exclusive and race-free", "[checker][peterson]") {
  const weft::strategy_kind strategy = GENERATE(from_range(strategies));
  const int entries = GENERATE(1, 2);
  CAPTURE(weft::to_string(strategy), entries);
  const weft::report r = WEFT_REQUIRE_PASSES(
      contend(algorithm::peterson, std::memory_order_seq_cst, probes{}, entries),
      options_for(strategy));
  if (strategy == weft::strategy_kind::dfs ||
      strategy == weft::strategy_kind::preemption_bounding) {
    // Every distinct schedule (within the preemption bound) was run.
    CHECK(r.statistics.exhausted);
  }
}

TEST_CASE("peterson: with relaxed atomics the critical sections race", "[checker][peterson]") {
  // Every interleaving the checker runs is sequentially consistent, so mutual
  // exclusion holds in each; but relaxed accesses order nothing, so the two
  // threads' increments are not ordered by happens-before (and on real
  // hardware the lock is indeed broken).
  const weft::strategy_kind strategy = GENERATE(from_range(strategies));
  CAPTURE(weft::to_string(strategy));
  WEFT_REQUIRE_FINDS(weft::finding_kind::data_race,
                     contend(algorithm::peterson, std::memory_order_relaxed,
                             probes{.occupancy = false, .data = true}, 1),
                     options_for(strategy));
}

TEST_CASE("peterson: without turn, checking before setting breaks mutual exclusion",
          "[checker][peterson]") {
  const weft::strategy_kind strategy = GENERATE(from_range(strategies));
  CAPTURE(weft::to_string(strategy));
  SECTION("both threads inside") {
    WEFT_REQUIRE_FINDS(weft::finding_kind::assertion,
                       contend(algorithm::check_then_set, std::memory_order_seq_cst,
                               probes{.occupancy = true, .data = false}, 1),
                       options_for(strategy));
  }
  SECTION("their accesses race") {
    WEFT_REQUIRE_FINDS(weft::finding_kind::data_race,
                       contend(algorithm::check_then_set, std::memory_order_seq_cst,
                               probes{.occupancy = false, .data = true}, 1),
                       options_for(strategy));
  }
}

TEST_CASE("peterson: without turn, setting before checking can wait forever",
          "[checker][peterson]") {
  const weft::strategy_kind strategy = GENERATE(from_range(strategies));
  CAPTURE(weft::to_string(strategy));
  WEFT_REQUIRE_FINDS(weft::finding_kind::max_steps,
                     contend(algorithm::set_then_check, std::memory_order_seq_cst, probes{}, 1),
                     options_for(strategy));
}
