#include <catch2/catch.hpp>

#include <atomic>
#include <climits>
#include <memory>
#include <thread>
#include <vector>

#include "support/misuse_recorder.hpp"
#include "weft/barrier.hpp"
#include "weft/latch.hpp"

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------
// latch
// ---------------------------------------------------------------------------

TEST_CASE("a latch opens when its count reaches zero", "[latch]") {
  static_assert(weft::latch::max() == INT32_MAX);
  static_assert(sizeof(weft::latch) == 4);  // as documented
  weft::latch l(3);
  CHECK_FALSE(l.try_wait());
  l.count_down();
  CHECK_FALSE(l.try_wait());
  l.count_down(2);
  CHECK(l.try_wait());
  l.wait();  // open: returns at once
  l.count_down(0);
  CHECK(l.try_wait());

  weft::latch open(0);
  CHECK(open.try_wait());
  open.wait();
}

TEST_CASE("a latch releases every waiter at zero", "[latch]") {
  const int waiters = GENERATE(1, 3, 6);
  weft::latch l(3);
  int value = 0;  // plain: count_down happens before the released waits
  std::atomic<int> saw_value{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < waiters; ++i) {
    threads.emplace_back([&] {
      l.wait();
      if (value == 42) saw_value.fetch_add(1);
    });
  }
  std::this_thread::sleep_for(2ms);  // make it likely some are parked
  l.count_down();
  value = 42;
  l.count_down(2);
  for (auto& t : threads)
    t.join();
  CHECK(saw_value.load() == waiters);
}

TEST_CASE("arrive_and_wait lets everyone through together", "[latch]") {
  const int threads = GENERATE(1, 2, 5);
  weft::latch l(threads);
  std::vector<int> ready(static_cast<std::size_t>(threads), 0);  // plain, one slot each
  std::atomic<int> saw_all{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ready[static_cast<std::size_t>(t)] = 1;
      l.arrive_and_wait();
      int count = 0;
      for (const int r : ready)
        count += r;
      if (count == threads) saw_all.fetch_add(1);
    });
  }
  for (auto& t : pool)
    t.join();
  CHECK(saw_all.load() == threads);
}

#if WEFT_CHECKS
TEST_CASE("misuse of a latch is reported", "[latch][misuse]") {
  weft::testing::misuse_recorder recorder;

  SECTION("counting below zero stops at zero") {
    weft::latch l(1);
    l.count_down(2);
    REQUIRE(recorder.reports().size() == 1);
    CHECK_THAT(recorder.reports()[0],
               Catch::Contains("weft::latch") && Catch::Contains("below zero"));
    CHECK(l.try_wait());
    l.count_down();
    CHECK(recorder.reports().size() == 2);
    CHECK(l.try_wait());
  }

  SECTION("a negative count_down is ignored") {
    weft::latch l(1);
    l.count_down(-1);
    REQUIRE(recorder.reports().size() == 1);
    CHECK_THAT(recorder.reports()[0], Catch::Contains("negative"));
    CHECK_FALSE(l.try_wait());
    l.count_down();
    CHECK(l.try_wait());
  }

  SECTION("an initial count outside [0, max()] is clamped") {
    weft::latch l(-5);
    REQUIRE(recorder.reports().size() == 1);
    CHECK_THAT(recorder.reports()[0], Catch::Contains("outside [0, max()]"));
    CHECK(l.try_wait());
  }
}
#endif

TEST_CASE("latches in sequence publish every arrival", "[latch][stress]") {
  const int threads = GENERATE(2, 4, 8);
  constexpr int rounds = 500;
  std::vector<std::unique_ptr<weft::latch>> latches;
  for (int r = 0; r < rounds; ++r)
    latches.push_back(std::make_unique<weft::latch>(threads));
  // slots[r][t]: plain, written before thread t arrives at latch r.
  std::vector<std::vector<int>> slots(rounds, std::vector<int>(static_cast<std::size_t>(threads)));
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int r = 0; r < rounds; ++r) {
        auto& row = slots[static_cast<std::size_t>(r)];
        row[static_cast<std::size_t>(t)] = r + 1;
        latches[static_cast<std::size_t>(r)]->arrive_and_wait();
        for (const int v : row) {
          if (v != r + 1) failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : pool)
    t.join();
  CHECK(failures.load() == 0);
}

// ---------------------------------------------------------------------------
// barrier
// ---------------------------------------------------------------------------

namespace {

struct phase_log {
  int completions = 0;  // plain: written only by completion steps
  std::atomic<int> arrived{0};
  int arrivals_at_completion = -1;
};

}  // namespace

TEST_CASE("the completion step runs once per phase, before waiters are released", "[barrier]") {
  const int threads = GENERATE(1, 2, 4);
  constexpr int phases = 5;
  phase_log log;
  std::atomic<int> bad_arrivals{0};
  auto completion = [&]() noexcept {
    if (log.arrived.exchange(0) != threads) bad_arrivals.fetch_add(1);
    ++log.completions;
  };
  weft::barrier sync(threads, completion);
  std::atomic<int> out_of_order{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int p = 0; p < phases; ++p) {
        log.arrived.fetch_add(1);
        sync.arrive_and_wait();
        // Reading the plain counter is race-free only if the completion
        // step happened before this release.
        if (log.completions < p + 1) out_of_order.fetch_add(1);
      }
    });
  }
  for (auto& t : pool)
    t.join();
  CHECK(log.completions == phases);
  CHECK(bad_arrivals.load() == 0);
  CHECK(out_of_order.load() == 0);
}

TEST_CASE("arrive and wait may be split", "[barrier]") {
  int completions = 0;
  weft::barrier sync(2, [&]() noexcept { ++completions; });

  auto token = sync.arrive();
  std::thread other([&] { sync.arrive_and_wait(); });
  sync.wait(std::move(token));
  other.join();
  CHECK(completions == 1);

  // arrive(n) counts several arrivals at once; a token for a phase that is
  // over returns at once.
  auto whole = sync.arrive(2);
  CHECK(completions == 2);
  sync.wait(std::move(whole));

  static_assert(sizeof(weft::barrier<>) == 16);  // as documented
  weft::barrier<> solo(1);
  auto t1 = solo.arrive();
  solo.wait(std::move(t1));
}

TEST_CASE("arrive_and_drop lowers the count of later phases", "[barrier]") {
  int completions = 0;
  weft::barrier sync(3, [&]() noexcept { ++completions; });
  std::thread leaver([&] { sync.arrive_and_drop(); });
  std::vector<std::thread> stayers;
  for (int i = 0; i < 2; ++i) {
    stayers.emplace_back([&] {
      for (int p = 0; p < 3; ++p)
        sync.arrive_and_wait();  // phases 1 and 2 need only these two
    });
  }
  leaver.join();
  for (auto& t : stayers)
    t.join();
  CHECK(completions == 3);
}

#if WEFT_CHECKS
TEST_CASE("misuse of a barrier is reported", "[barrier][misuse]") {
  weft::testing::misuse_recorder recorder;

  SECTION("waiting with a token from another barrier") {
    weft::barrier<> a(1);
    weft::barrier<> b(2);
    auto token = a.arrive();
    b.wait(std::move(token));  // would block forever; returns at once
    REQUIRE(recorder.reports().size() == 1);
    CHECK_THAT(recorder.reports()[0],
               Catch::Contains("weft::barrier") && Catch::Contains("another barrier"));
  }

  SECTION("waiting with a token older than the preceding phase") {
    weft::barrier<> b(1);
    auto t0 = b.arrive();  // completes phase 0
    auto t1 = b.arrive();  // completes phase 1
    b.wait(std::move(t1));
    CHECK(recorder.reports().empty());
    b.wait(std::move(t0));
    REQUIRE(recorder.reports().size() == 1);
    CHECK_THAT(recorder.reports()[0], Catch::Contains("older than the preceding phase"));
  }

  SECTION("arriving more often than the phase expects") {
    int completions = 0;
    weft::barrier b(2, [&]() noexcept { ++completions; });
    auto token = b.arrive(3);
    REQUIRE(recorder.reports().size() == 1);
    CHECK_THAT(recorder.reports()[0], Catch::Contains("beyond the count the phase expects"));
    CHECK(completions == 1);  // the two expected arrivals were counted
    b.wait(std::move(token));
    auto none = b.arrive(0);
    CHECK(recorder.reports().size() == 2);
    CHECK(completions == 1);
    (void)none;
  }

  SECTION("dropping more participants than there are") {
    weft::barrier<> b(1);
    b.arrive_and_drop();
    CHECK(recorder.reports().empty());
    b.arrive_and_drop();
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 2);
    CHECK_THAT(reports[0], Catch::Contains("no participant left"));
    CHECK_THAT(reports[1], Catch::Contains("beyond the count the phase expects"));
  }

  SECTION("an initial count outside [0, max()] is clamped") {
    weft::barrier<> b(-1);
    REQUIRE(recorder.reports().size() == 1);
    CHECK_THAT(recorder.reports()[0], Catch::Contains("outside [0, max()]"));
  }
}
#endif

TEST_CASE("barrier phases: each completion sees exactly its phase's arrivals",
          "[barrier][stress]") {
  const int threads = GENERATE(2, 4, 8);
  constexpr int phases = 1000;
  std::vector<int> slot(static_cast<std::size_t>(threads), -1);  // plain, one per thread
  int completed = 0;  // plain: written only by completion steps
  int bad_completions = 0;
  auto completion = [&]() noexcept {
    for (const int s : slot) {
      if (s != completed) ++bad_completions;
    }
    ++completed;
  };
  weft::barrier sync(threads, completion);
  std::atomic<int> bad_waits{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int p = 0; p < phases; ++p) {
        slot[static_cast<std::size_t>(t)] = p;
        if ((t + p) % 2 == 0) {
          sync.arrive_and_wait();
        } else {
          auto token = sync.arrive();
          sync.wait(std::move(token));
        }
        if (completed != p + 1) bad_waits.fetch_add(1);
      }
    });
  }
  for (auto& t : pool)
    t.join();
  CHECK(completed == phases);
  CHECK(bad_completions == 0);
  CHECK(bad_waits.load() == 0);
}

TEST_CASE("barrier with threads dropping out phase by phase", "[barrier][stress]") {
  // Thread t takes part in phases 0 .. t+P-1 and drops in its last one, so
  // phase k expects threads - max(0, k - P + 1) arrivals.
  const int threads = GENERATE(2, 4, 8);
  constexpr int base_phases = 300;
  std::atomic<int> arrived{0};
  int completed = 0;
  int bad = 0;
  auto completion = [&]() noexcept {
    const int k = completed;
    const int expected = threads - std::max(0, k - base_phases + 1);
    if (arrived.exchange(0) != expected) ++bad;
    ++completed;
  };
  weft::barrier sync(threads, completion);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const int last = t + base_phases - 1;
      for (int p = 0; p < last; ++p) {
        arrived.fetch_add(1);
        sync.arrive_and_wait();
      }
      arrived.fetch_add(1);
      sync.arrive_and_drop();
    });
  }
  for (auto& t : pool)
    t.join();
  CHECK(completed == threads + base_phases - 1);
  CHECK(bad == 0);
}
