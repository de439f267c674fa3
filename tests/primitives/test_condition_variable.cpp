#include "weft/condition_variable.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "support/misuse_recorder.hpp"

using namespace std::chrono_literals;

namespace {

// Polls `done` until it holds; gives up after a bound far beyond any
// scheduling delay, so that a lost wake-up fails the test instead of hanging
// it. Never used to assert how fast something happens.
template <typename F>
bool eventually(F done) {
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

// Whether `n` threads are inside a wait on `cv` and have released `m`: a
// waiter registers while it holds `m`, so once we hold `m` and see it, the
// waiter has let go of `m` inside wait(), and any later notify must wake it.
template <typename CV, typename M>
bool parked(const CV& cv, M& m, std::uint32_t n) {
  return eventually([&] {
    std::lock_guard guard(m);
    return cv.waiters_for_diagnostics() == n;
  });
}

}  // namespace

TEST_CASE("timed waits report a timeout", "[condition_variable]") {
  static_assert(sizeof(weft::condition_variable) == 16);  // as documented
  static_assert(sizeof(weft::condition_variable_any) == 16);
  weft::mutex m;
  weft::condition_variable cv;
  std::unique_lock lock(m);

  CHECK(cv.wait_for(lock, 5ms) == std::cv_status::timeout);
  CHECK(lock.owns_lock());
  CHECK(cv.wait_until(lock, std::chrono::steady_clock::now() + 2ms) == std::cv_status::timeout);
  CHECK(cv.wait_until(lock, std::chrono::system_clock::now() + 2ms) == std::cv_status::timeout);
  CHECK(cv.wait_for(lock, -1ms) == std::cv_status::timeout);
  CHECK(lock.owns_lock());

  // Predicate forms return the predicate's value at the deadline.
  int evaluations = 0;
  CHECK_FALSE(cv.wait_for(lock, 3ms, [&] {
    ++evaluations;
    return false;
  }));
  CHECK(evaluations >= 2);  // before waiting and after the timeout
  CHECK(cv.wait_for(lock, 0ms, [] { return true; }));
  CHECK_FALSE(cv.wait_until(lock, std::chrono::steady_clock::now() + 1ms, [] { return false; }));
  CHECK(cv.waiters_for_diagnostics() == 0);
}

TEST_CASE("a notify wakes a predicate wait", "[condition_variable]") {
  weft::mutex m;
  weft::condition_variable cv;
  bool ready = false;
  int value = 0;  // plain: published through the mutex
  int seen = 0;
  bool in_time = false;

  SECTION("untimed") {
    std::thread waiter([&] {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return ready; });
      seen = value;
      in_time = true;
    });
    {
      std::lock_guard guard(m);
      value = 42;
      ready = true;
    }
    cv.notify_one();
    waiter.join();
    CHECK(in_time);
    CHECK(seen == 42);
  }
  SECTION("timed") {
    std::thread waiter([&] {
      std::unique_lock lock(m);
      in_time = cv.wait_for(lock, 60s, [&] { return ready; });
      seen = value;
    });
    REQUIRE(parked(cv, m, 1));
    {
      std::lock_guard guard(m);
      value = 42;
      ready = true;
    }
    cv.notify_all();
    waiter.join();
    CHECK(in_time);
    CHECK(seen == 42);
  }
}

TEST_CASE("notify_one wakes a waiter, notify_all wakes every waiter", "[condition_variable]") {
  const std::uint32_t n = GENERATE(1U, 2U, 4U);
  weft::mutex m;
  weft::condition_variable cv;
  std::uint32_t woken = 0;  // guarded by m
  std::vector<std::thread> waiters;
  for (std::uint32_t i = 0; i < n; ++i) {
    waiters.emplace_back([&] {
      std::unique_lock lock(m);
      cv.wait(lock);  // one wait, no predicate: only a wake-up ends it
      ++woken;
    });
  }
  REQUIRE(parked(cv, m, n));

  cv.notify_one();
  CHECK(eventually([&] {
    std::lock_guard guard(m);
    return woken >= 1;
  }));

  cv.notify_all();
  CHECK(eventually([&] {
    std::lock_guard guard(m);
    return woken == n;
  }));
  for (auto& t : waiters)
    t.join();
  CHECK(cv.waiters_for_diagnostics() == 0);
}

TEST_CASE("a notify with no waiter is not remembered", "[condition_variable]") {
  weft::mutex m;
  weft::condition_variable cv;
  cv.notify_one();
  cv.notify_all();
  std::unique_lock lock(m);
  CHECK(cv.wait_for(lock, 2ms) == std::cv_status::timeout);
}

TEST_CASE("a condition variable may be destroyed once its waiters are notified",
          "[condition_variable]") {
  // The standard allows destruction while notified waiters are still on
  // their way out of wait() (here: blocked re-acquiring the mutex we hold).
  // ASan would flag a waiter touching the destroyed object.
#if WEFT_CHECKS
  weft::testing::misuse_recorder recorder;
#endif
  constexpr std::uint32_t n = 3;
  weft::mutex m;
  bool done = false;
  int returned = 0;
  std::vector<std::thread> waiters;

  SECTION("condition_variable") {
    auto cv = std::make_unique<weft::condition_variable>();
    for (std::uint32_t i = 0; i < n; ++i) {
      waiters.emplace_back([&, c = cv.get()] {
        std::unique_lock lock(m);
        c->wait(lock, [&] { return done; });
        ++returned;
      });
    }
    REQUIRE(parked(*cv, m, n));
    {
      std::lock_guard guard(m);
      done = true;
      cv->notify_all();
      cv.reset();
    }
  }
  SECTION("condition_variable_any") {
    auto cv = std::make_unique<weft::condition_variable_any>();
    for (std::uint32_t i = 0; i < n; ++i) {
      waiters.emplace_back([&, c = cv.get()] {
        std::unique_lock lock(m);
        c->wait(lock, [&] { return done; });
        ++returned;
      });
    }
    REQUIRE(parked(*cv, m, n));
    {
      std::lock_guard guard(m);
      done = true;
      cv->notify_all();
      cv.reset();
    }
  }
  for (auto& t : waiters)
    t.join();
  CHECK(returned == static_cast<int>(n));
#if WEFT_CHECKS
  CHECK(recorder.reports().empty());
#endif
}

namespace {

// One waiter and one notifier through condition_variable_any with the lock
// form `Mutex` / `unique` selects.
template <typename Mutex, bool unique>
void any_handshake() {
  Mutex m;
  weft::condition_variable_any cv;
  bool ready = false;
  int seen = 0;
  std::thread waiter([&] {
    if constexpr (unique) {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return ready; });
      seen = 1;
    } else {
      m.lock();
      cv.wait(m, [&] { return ready; });
      seen = 1;
      m.unlock();
    }
  });
  {
    std::lock_guard guard(m);
    ready = true;
  }
  cv.notify_one();
  waiter.join();
  CHECK(seen == 1);

  if constexpr (unique) {
    std::unique_lock lock(m);
    CHECK(cv.wait_for(lock, 2ms) == std::cv_status::timeout);
    CHECK(lock.owns_lock());
    CHECK_FALSE(cv.wait_until(lock, std::chrono::system_clock::now() + 1ms, [] { return false; }));
  } else {
    m.lock();
    CHECK(cv.wait_for(m, 2ms) == std::cv_status::timeout);
    CHECK_FALSE(cv.wait_for(m, 1ms, [] { return false; }));
    m.unlock();
  }
}

}  // namespace

TEST_CASE("condition_variable_any waits with any BasicLockable", "[condition_variable]") {
  SECTION("weft::mutex") {
    any_handshake<weft::mutex, false>();
  }
  SECTION("std::unique_lock<weft::mutex>") {
    any_handshake<weft::mutex, true>();
  }
  SECTION("std::mutex") {
    any_handshake<std::mutex, false>();
  }
  SECTION("std::unique_lock<std::mutex>") {
    any_handshake<std::mutex, true>();
  }
}

#if WEFT_CHECKS
TEST_CASE("misuse of a condition variable is reported", "[condition_variable][misuse]") {
  weft::testing::misuse_recorder recorder;

  SECTION("waiting with a unique_lock that does not own its mutex returns at once") {
    weft::mutex m;
    weft::condition_variable cv;
    std::unique_lock lock(m, std::defer_lock);
    cv.wait(lock);
    CHECK(cv.wait_for(lock, 60s) == std::cv_status::no_timeout);
    CHECK_FALSE(cv.wait_for(lock, 60s, [] { return false; }));
    cv.wait(lock, [] { return false; });
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 4);
    for (const auto& r : reports) {
      CHECK_THAT(r, Catch::Contains("weft::condition_variable") &&
                        Catch::Contains("does not own its mutex"));
    }
    CHECK_FALSE(lock.owns_lock());
    CHECK_FALSE(m.is_locked_for_diagnostics());
  }

  SECTION("waiting while another thread holds the mutex") {
    weft::mutex m;
    weft::condition_variable cv;
    std::atomic<bool> locked{false};
    std::atomic<bool> let_go{false};
    std::thread holder([&] {
      m.lock();
      locked = true;
      while (!let_go)
        std::this_thread::yield();
      m.unlock();
    });
    while (!locked)
      std::this_thread::yield();
    std::unique_lock lock(m, std::adopt_lock);  // owns, but another thread holds m
    cv.wait(lock);
    (void)lock.release();
    let_go = true;
    holder.join();
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains("weft::condition_variable") &&
                               Catch::Contains("does not hold the mutex"));
  }

  SECTION("condition_variable_any with a weft::mutex the caller does not hold") {
    weft::mutex m;
    weft::condition_variable_any cv;
    cv.wait(m);
    std::unique_lock lock(m, std::defer_lock);
    CHECK(cv.wait_for(lock, 60s) == std::cv_status::no_timeout);
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 2);
    CHECK_THAT(reports[0], Catch::Contains("weft::condition_variable_any") &&
                               Catch::Contains("does not hold the lock"));
    CHECK_THAT(reports[1], Catch::Contains("weft::condition_variable_any") &&
                               Catch::Contains("does not own its mutex"));
    CHECK_FALSE(m.is_locked_for_diagnostics());
  }

  SECTION("destroying a condition variable while a thread waits on it") {
    weft::mutex m;
    auto cv = std::make_unique<weft::condition_variable>();
    std::atomic<bool> returned{false};
    std::thread waiter([&, c = cv.get()] {
      std::unique_lock lock(m);
      c->wait(lock);  // never notified
      returned = true;
    });
    REQUIRE(parked(*cv, m, 1));
    cv.reset();  // reports, then releases the waiter as a spurious wake-up
    waiter.join();
    CHECK(returned);
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains("weft::condition_variable") &&
                               Catch::Contains("destroyed while threads wait on it"));
  }
}
#endif

TEST_CASE("bounded buffer: every item is consumed exactly once", "[condition_variable][stress]") {
  const int producers = GENERATE(1, 2, 4);
  const int consumers = GENERATE(1, 2, 4);
  constexpr int per_producer = 3000;
  constexpr std::size_t capacity = 4;
  const int total = producers * per_producer;

  weft::mutex m;
  weft::condition_variable not_full;
  weft::condition_variable not_empty;
  std::deque<int> buffer;                                         // guarded by m
  std::vector<int> consumed(static_cast<std::size_t>(total), 0);  // guarded by m
  int producers_done = 0;                                         // guarded by m

  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < per_producer; ++i) {
        {
          std::unique_lock lock(m);
          not_full.wait(lock, [&] { return buffer.size() < capacity; });
          buffer.push_back(p * per_producer + i);
        }
        not_empty.notify_one();
      }
      {
        std::lock_guard guard(m);
        ++producers_done;
      }
      not_empty.notify_all();
    });
  }
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&] {
      for (;;) {
        std::unique_lock lock(m);
        not_empty.wait(lock, [&] { return !buffer.empty() || producers_done == producers; });
        if (buffer.empty()) return;
        const int item = buffer.front();
        buffer.pop_front();
        ++consumed[static_cast<std::size_t>(item)];
        lock.unlock();
        not_full.notify_one();
      }
    });
  }
  for (auto& t : threads)
    t.join();  // a lost wake-up hangs here

  int exactly_once = 0;
  for (const int count : consumed)
    exactly_once += count == 1 ? 1 : 0;
  CHECK(exactly_once == total);
  CHECK(buffer.empty());
}

namespace {

// Two threads hand a turn back and forth `rounds` times with notify_one: a
// single lost wake-up leaves both waiting forever.
template <typename CV, typename Mutex>
void ping_pong(int rounds) {
  Mutex m;
  CV cv;
  int turn = 0;  // guarded by m
  int pings = 0;
  int pongs = 0;
  auto player = [&](int me, int& count) {
    for (int r = 0; r < rounds; ++r) {
      {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return turn == me; });
        ++count;
        turn = 1 - me;
      }
      cv.notify_one();
    }
  };
  std::thread other([&] { player(1, pongs); });
  player(0, pings);
  other.join();
  CHECK(pings == rounds);
  CHECK(pongs == rounds);
}

}  // namespace

TEST_CASE("ping-pong with notify_one loses no wake-up", "[condition_variable][stress]") {
  SECTION("condition_variable") {
    ping_pong<weft::condition_variable, weft::mutex>(8000);
  }
  SECTION("condition_variable_any, std::mutex") {
    ping_pong<weft::condition_variable_any, std::mutex>(8000);
  }
}

TEST_CASE("timed waits racing with notifies lose no notify", "[condition_variable][stress]") {
  // Timed waiters time out constantly on the same condition variable while
  // two untimed threads play ping-pong through it with notify_all: a notify
  // absorbed by a timing-out waiter, or lost, hangs the untimed pair.
  const int churners = GENERATE(1, 2, 4);
  constexpr int rounds = 3000;
  weft::mutex m;
  weft::condition_variable cv;
  int turn = 0;       // guarded by m
  bool stop = false;  // guarded by m
  std::atomic<long> timeouts{0};
  std::atomic<long> early{0};

  std::vector<std::thread> churn;
  for (int c = 0; c < churners; ++c) {
    churn.emplace_back([&, c] {
      std::unique_lock lock(m);
      int i = 0;
      while (!stop) {
        const auto timeout = std::chrono::microseconds(20 + ((c + i++) % 5) * 40);
        if (cv.wait_for(lock, timeout) == std::cv_status::timeout) {
          timeouts.fetch_add(1, std::memory_order_relaxed);
        } else {
          early.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  int moves[2] = {0, 0};
  auto player = [&](int me) {
    for (int r = 0; r < rounds; ++r) {
      {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return turn == me; });
        ++moves[me];
        turn = 1 - me;
      }
      cv.notify_all();
    }
  };
  std::thread other([&] { player(1); });
  player(0);
  other.join();
  {
    std::lock_guard guard(m);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : churn)
    t.join();
  CHECK(moves[0] == rounds);
  CHECK(moves[1] == rounds);
  CHECK(timeouts.load() + early.load() > 0);
}

TEST_CASE("condition_variable_any bounded buffer with std::mutex", "[condition_variable][stress]") {
  const int pairs = GENERATE(1, 2, 4);
  constexpr int per_producer = 1000;
  const int total = pairs * per_producer;
  std::mutex m;
  weft::condition_variable_any changed;
  std::deque<int> buffer;
  std::vector<int> consumed(static_cast<std::size_t>(total), 0);
  int producers_done = 0;

  std::vector<std::thread> threads;
  for (int p = 0; p < pairs; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < per_producer; ++i) {
        {
          std::unique_lock lock(m);
          changed.wait(lock, [&] { return buffer.size() < 2; });
          buffer.push_back(p * per_producer + i);
        }
        changed.notify_all();  // producers and consumers share the cv
      }
      {
        std::lock_guard guard(m);
        ++producers_done;
      }
      changed.notify_all();
    });
    threads.emplace_back([&] {
      for (;;) {
        std::unique_lock lock(m);
        changed.wait(lock, [&] { return !buffer.empty() || producers_done == pairs; });
        if (buffer.empty()) return;
        ++consumed[static_cast<std::size_t>(buffer.front())];
        buffer.pop_front();
        lock.unlock();
        changed.notify_all();
      }
    });
  }
  for (auto& t : threads)
    t.join();
  int exactly_once = 0;
  for (const int count : consumed)
    exactly_once += count == 1 ? 1 : 0;
  CHECK(exactly_once == total);
}
