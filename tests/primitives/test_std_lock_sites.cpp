// The std guards weft specializes for its locks
// (weft/internal/std_lock_sites.hpp): that the specializations are the ones
// used, that they behave as the standard's, and that a misuse report made
// through them names the caller's line. The checker's view of the same
// sites is in tests/checker/test_std_lock_sites.cpp.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

#include "support/misuse_recorder.hpp"
#include "weft/mutex.hpp"
#include "weft/shared_mutex.hpp"
#include "weft/source_location.hpp"
#include "weft/spin_lock.hpp"
#include "weft/ticket_lock.hpp"

using namespace std::chrono_literals;

namespace {

// Only the specializations take a call site after the lock.
template <typename Lock>
constexpr bool guards_take_sites =
    std::is_constructible_v<std::lock_guard<Lock>, Lock&, weft::source_location>&&
        std::is_constructible_v<std::scoped_lock<Lock>, Lock&, weft::source_location>&&
            std::is_constructible_v<std::unique_lock<Lock>, Lock&, weft::source_location>;

static_assert(guards_take_sites<weft::mutex>);
static_assert(guards_take_sites<weft::spin_lock>);
static_assert(guards_take_sites<weft::ticket_lock>);
static_assert(guards_take_sites<weft::shared_mutex>);
static_assert(std::is_constructible_v<std::shared_lock<weft::shared_mutex>, weft::shared_mutex&,
                                      weft::source_location>);
static_assert(!guards_take_sites<std::mutex>);

// Class template argument deduction still goes through the primary
// template's constructors and lands on the specializations.
static_assert(std::is_same_v<decltype(std::lock_guard(std::declval<weft::mutex&>())),
                             std::lock_guard<weft::mutex>>);
static_assert(std::is_same_v<decltype(std::scoped_lock(std::declval<weft::spin_lock&>())),
                             std::scoped_lock<weft::spin_lock>>);
static_assert(
    std::is_same_v<decltype(std::unique_lock(std::declval<weft::ticket_lock&>(), std::defer_lock)),
                   std::unique_lock<weft::ticket_lock>>);
static_assert(std::is_same_v<decltype(std::shared_lock(std::declval<weft::shared_mutex&>())),
                             std::shared_lock<weft::shared_mutex>>);

// The standard's shapes: movable, not copyable, explicit conversion to bool.
static_assert(std::is_nothrow_move_constructible_v<std::unique_lock<weft::mutex>>);
static_assert(std::is_nothrow_move_assignable_v<std::unique_lock<weft::mutex>>);
static_assert(!std::is_copy_constructible_v<std::unique_lock<weft::mutex>>);
static_assert(!std::is_convertible_v<std::unique_lock<weft::mutex>, bool>);
static_assert(std::is_nothrow_move_assignable_v<std::shared_lock<weft::shared_mutex>>);
static_assert(!std::is_copy_constructible_v<std::lock_guard<weft::mutex>>);
static_assert(!std::is_move_constructible_v<std::scoped_lock<weft::mutex>>);

// Two or more weft locks, of one type or mixed: weft's scoped_lock too.
static_assert(std::is_constructible_v<std::scoped_lock<weft::mutex, weft::mutex>, weft::mutex&,
                                      weft::mutex&, weft::source_location>);
static_assert(std::is_constructible_v<
              std::scoped_lock<weft::mutex, weft::spin_lock, weft::ticket_lock>, weft::mutex&,
              weft::spin_lock&, weft::ticket_lock&, weft::source_location>);
static_assert(std::is_same_v<decltype(std::scoped_lock(std::declval<weft::mutex&>(),
                                                       std::declval<weft::spin_lock&>())),
                             std::scoped_lock<weft::mutex, weft::spin_lock>>);
static_assert(!std::is_copy_constructible_v<std::scoped_lock<weft::mutex, weft::mutex>>);

// The error code `f` throws as std::system_error; empty if it throws none.
template <typename F>
std::error_code error_of(F f) {
  try {
    f();
  } catch (const std::system_error& e) {
    return e.code();
  }
  return {};
}

// Holds `lock` (exclusively) on another thread while it lives.
template <typename Lock>
class held_elsewhere {
 public:
  explicit held_elsewhere(Lock& lock)
      : holder_([this, &lock] {
          lock.lock();
          taken_.store(true);
          while (!done_.load())
            std::this_thread::yield();
          lock.unlock();
        }) {
    while (!taken_.load())
      std::this_thread::yield();
  }
  ~held_elsewhere() {
    done_.store(true);
    holder_.join();
  }
  held_elsewhere(const held_elsewhere&) = delete;
  held_elsewhere& operator=(const held_elsewhere&) = delete;

 private:
  std::atomic<bool> taken_{false};
  std::atomic<bool> done_{false};
  std::thread holder_;
};

}  // namespace

TEMPLATE_TEST_CASE("std::lock_guard and a one-lock std::scoped_lock take and release a weft lock",
                   "[std_lock_sites]", weft::mutex, weft::spin_lock, weft::ticket_lock,
                   weft::shared_mutex) {
  TestType l;
  {
    const std::lock_guard guard(l);
    CHECK(l.is_locked_for_diagnostics());
  }
  CHECK_FALSE(l.is_locked_for_diagnostics());
  {
    const std::scoped_lock guard(l);
    CHECK(l.is_locked_for_diagnostics());
  }
  CHECK_FALSE(l.is_locked_for_diagnostics());
  l.lock();
  { const std::lock_guard adopted(l, std::adopt_lock); }
  CHECK_FALSE(l.is_locked_for_diagnostics());
  l.lock();
  { const std::scoped_lock adopted(std::adopt_lock, l); }
  CHECK_FALSE(l.is_locked_for_diagnostics());
}

TEMPLATE_TEST_CASE("std::unique_lock of a weft lock: defer, try, adopt, lock, unlock",
                   "[std_lock_sites]", weft::mutex, weft::spin_lock, weft::ticket_lock,
                   weft::shared_mutex) {
  TestType l;
  std::unique_lock deferred(l, std::defer_lock);
  CHECK_FALSE(deferred.owns_lock());
  CHECK_FALSE(static_cast<bool>(deferred));
  CHECK(deferred.mutex() == &l);
  CHECK_FALSE(l.is_locked_for_diagnostics());
  deferred.lock();
  CHECK(deferred.owns_lock());
  CHECK(l.is_locked_for_diagnostics());
  bool other_got_it = true;
  std::thread other([&l, &other_got_it] {
    const std::unique_lock attempt(l, std::try_to_lock);
    other_got_it = attempt.owns_lock();
  });
  other.join();
  CHECK_FALSE(other_got_it);
  deferred.unlock();
  CHECK_FALSE(deferred.owns_lock());
  CHECK_FALSE(l.is_locked_for_diagnostics());
  CHECK(deferred.try_lock());
  CHECK(l.is_locked_for_diagnostics());
  deferred.unlock();
  {
    const std::unique_lock attempt(l, std::try_to_lock);
    CHECK(attempt.owns_lock());
    CHECK(l.is_locked_for_diagnostics());
  }
  CHECK_FALSE(l.is_locked_for_diagnostics());
  l.lock();
  {
    const std::unique_lock adopted(l, std::adopt_lock);
    CHECK(adopted.owns_lock());
  }
  CHECK_FALSE(l.is_locked_for_diagnostics());
}

TEMPLATE_TEST_CASE("std::unique_lock of a weft lock throws the standard's errors",
                   "[std_lock_sites]", weft::mutex, weft::spin_lock, weft::ticket_lock,
                   weft::shared_mutex) {
  std::unique_lock<TestType> empty;
  CHECK(empty.mutex() == nullptr);
  CHECK(error_of([&] { empty.lock(); }) == std::errc::operation_not_permitted);
  CHECK(error_of([&] { static_cast<void>(empty.try_lock()); }) ==
        std::errc::operation_not_permitted);
  CHECK(error_of([&] { empty.unlock(); }) == std::errc::operation_not_permitted);

  TestType l;
  std::unique_lock owner(l);
  CHECK(error_of([&] { owner.lock(); }) == std::errc::resource_deadlock_would_occur);
  CHECK(error_of([&] { static_cast<void>(owner.try_lock()); }) ==
        std::errc::resource_deadlock_would_occur);
  CHECK(owner.owns_lock());  // the failed calls left it as it was
  owner.unlock();
  CHECK(error_of([&] { owner.unlock(); }) == std::errc::operation_not_permitted);
  CHECK_FALSE(l.is_locked_for_diagnostics());
}

TEMPLATE_TEST_CASE("std::unique_lock of a weft lock: move, swap, release", "[std_lock_sites]",
                   weft::mutex, weft::spin_lock, weft::ticket_lock, weft::shared_mutex) {
  TestType a;
  TestType b;
  std::unique_lock first(a);
  std::unique_lock second(std::move(first));
  // The standard specifies the moved-from state checked here.
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  CHECK_FALSE(first.owns_lock());
  CHECK(first.mutex() == nullptr);
  CHECK(second.owns_lock());
  CHECK(second.mutex() == &a);

  std::unique_lock other(b);
  second = std::move(other);  // releases a, takes over b
  CHECK_FALSE(a.is_locked_for_diagnostics());
  CHECK(b.is_locked_for_diagnostics());
  CHECK(second.mutex() == &b);
  // The standard specifies the moved-from state checked here.
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  CHECK_FALSE(other.owns_lock());

  std::unique_lock third(a, std::defer_lock);
  std::swap(second, third);
  CHECK(third.mutex() == &b);
  CHECK(third.owns_lock());
  CHECK(second.mutex() == &a);
  CHECK_FALSE(second.owns_lock());

  TestType* released = third.release();
  CHECK(released == &b);
  CHECK(third.mutex() == nullptr);
  CHECK_FALSE(third.owns_lock());
  CHECK(b.is_locked_for_diagnostics());  // release() does not unlock
  b.unlock();
}

TEMPLATE_TEST_CASE("std::unique_lock of a timed weft lock: timed constructors and members",
                   "[std_lock_sites]", weft::mutex, weft::shared_mutex) {
  TestType l;
  {
    const std::unique_lock within(l, 10ms);
    CHECK(within.owns_lock());
  }
  {
    const std::unique_lock until(l, std::chrono::steady_clock::now() + 10ms);
    CHECK(until.owns_lock());
  }
  CHECK_FALSE(l.is_locked_for_diagnostics());
  std::unique_lock lock(l, std::defer_lock);
  {
    const held_elsewhere<TestType> busy(l);
    CHECK_FALSE(lock.try_lock_for(1ms));
    CHECK_FALSE(lock.try_lock_until(std::chrono::steady_clock::now() + 1ms));
    const std::unique_lock timed_out(l, 1ms);
    CHECK_FALSE(timed_out.owns_lock());
  }
  CHECK(lock.try_lock_for(10ms));
  CHECK(error_of([&] { static_cast<void>(lock.try_lock_for(1ms)); }) ==
        std::errc::resource_deadlock_would_occur);
  lock.unlock();
  CHECK(lock.try_lock_until(std::chrono::steady_clock::now() + 10ms));
}

TEST_CASE("std::shared_lock of a weft::shared_mutex", "[std_lock_sites]") {
  weft::shared_mutex m;
  {
    const std::shared_lock a(m);
    const std::shared_lock b(m);  // shared holds stack up
    CHECK(m.readers_for_diagnostics() == 2);
    CHECK_FALSE(m.try_lock());  // no writer while they hold it
  }
  CHECK(m.readers_for_diagnostics() == 0);

  std::shared_lock lock(m, std::defer_lock);
  CHECK_FALSE(lock.owns_lock());
  lock.lock();
  CHECK(m.readers_for_diagnostics() == 1);
  CHECK(error_of([&] { lock.lock(); }) == std::errc::resource_deadlock_would_occur);
  lock.unlock();
  CHECK(error_of([&] { lock.unlock(); }) == std::errc::operation_not_permitted);
  CHECK(lock.try_lock());
  lock.unlock();
  CHECK(lock.try_lock_for(10ms));
  lock.unlock();
  CHECK(lock.try_lock_until(std::chrono::steady_clock::now() + 10ms));

  std::shared_lock moved(std::move(lock));
  CHECK(moved.owns_lock());
  // The standard specifies the moved-from state checked here.
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  CHECK_FALSE(lock.owns_lock());
  CHECK(lock.mutex() == nullptr);
  CHECK(error_of([&] { lock.lock(); }) == std::errc::operation_not_permitted);
  weft::shared_mutex* released = moved.release();
  CHECK(released == &m);
  CHECK(m.readers_for_diagnostics() == 1);  // release() does not unlock
  {
    const std::shared_lock adopted(m, std::adopt_lock);
    CHECK(adopted.owns_lock());
  }
  CHECK(m.readers_for_diagnostics() == 0);

  {
    const held_elsewhere<weft::shared_mutex> writer(m);
    const std::shared_lock attempt(m, std::try_to_lock);
    CHECK_FALSE(attempt.owns_lock());
    const std::shared_lock timed_out(m, 1ms);
    CHECK_FALSE(timed_out.owns_lock());
  }
  const std::shared_lock attempt(m, std::try_to_lock);
  CHECK(attempt.owns_lock());
  const std::shared_lock within(m, 10ms);
  CHECK(within.owns_lock());
  CHECK(m.readers_for_diagnostics() == 2);
}

#if WEFT_CHECKS
TEST_CASE("a misuse through a std guard names the caller's line", "[std_lock_sites][misuse]") {
  weft::testing::misuse_recorder recorder;
  weft::mutex m;
  const std::string file = weft::source_location::current().file_name();

  SECTION("a lock_guard of a mutex the thread already holds: the guard's line") {
    const std::lock_guard outer(m);
    // Not inside CHECK(): clang would place a call in a macro argument
    // that spans lines at the macro's last line.
    const int guard_line = __LINE__ + 1;
    auto relock = [&m] { const std::lock_guard inner(m); };
    CHECK(error_of(relock) == std::errc::resource_deadlock_would_occur);
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains(file + ":" + std::to_string(guard_line)));
  }

  SECTION("unique_lock: unlock() names its own line, the destructor the last lock()'s") {
    int unlock_line = 0;
    int relock_line = 0;
    {
      std::unique_lock lock(m);
      m.unlock();  // behind the guard's back: the guard's unlocks are now misuse
      unlock_line = __LINE__ + 1;
      lock.unlock();  // reported, and ignored by the mutex
      lock.lock();
      relock_line = __LINE__ - 1;
      m.unlock();
    }  // the destructor's unlock is reported too
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 2);
    CHECK_THAT(reports[0], Catch::Contains(file + ":" + std::to_string(unlock_line)));
    CHECK_THAT(reports[1], Catch::Contains(file + ":" + std::to_string(relock_line)));
  }
}
#endif

TEST_CASE("std::scoped_lock of several weft locks takes them all and releases them all",
          "[primitives][std_lock_sites]") {
  weft::mutex m;
  weft::spin_lock s;
  weft::ticket_lock t;
  {
    const std::scoped_lock all(m, s, t);
    // Held: another thread can take none of them.
    std::thread probe([&] {
      CHECK_FALSE(m.try_lock());
      CHECK_FALSE(s.try_lock());
      CHECK_FALSE(t.try_lock());
    });
    probe.join();
  }
  // Released, every one.
  CHECK(m.try_lock());
  CHECK(s.try_lock());
  CHECK(t.try_lock());
  { const std::scoped_lock adopted(std::adopt_lock, m, s, t); }
  CHECK(m.try_lock());
  m.unlock();
  CHECK(s.try_lock());
  s.unlock();
  CHECK(t.try_lock());
  t.unlock();
}

TEST_CASE("std::scoped_lock of several weft locks waits for a busy one and takes it",
          "[primitives][std_lock_sites]") {
  weft::mutex a;
  weft::mutex b;
  std::atomic<bool> taken{false};
  std::thread taker;
  {
    const held_elsewhere<weft::mutex> busy(b);
    taker = std::thread([&] {
      const std::scoped_lock both(a, b);
      taken.store(true);
    });
    // It cannot finish while b is held (give it time to try), and it does
    // not sit on a meanwhile: it let a go before waiting on b.
    std::this_thread::sleep_for(20ms);
    CHECK_FALSE(taken.load());
    bool got_a = false;
    for (int i = 0; i < 100000 && !got_a; ++i) {
      got_a = a.try_lock();
      if (!got_a) std::this_thread::yield();
    }
    REQUIRE(got_a);
    a.unlock();
  }  // `busy` lets b go
  taker.join();
  CHECK(taken.load());
  // Both released.
  CHECK(a.try_lock());
  CHECK(b.try_lock());
  a.unlock();
  b.unlock();
}

TEST_CASE("std::scoped_lock in opposite orders on real threads: no deadlock, mutual exclusion",
          "[primitives][std_lock_sites]") {
  weft::mutex a;
  weft::spin_lock b;
  long counter = 0;
  constexpr int rounds = 20000;
  std::thread forward([&] {
    for (int i = 0; i < rounds; ++i) {
      const std::scoped_lock both(a, b);
      ++counter;
    }
  });
  std::thread backward([&] {
    for (int i = 0; i < rounds; ++i) {
      const std::scoped_lock both(b, a);
      ++counter;
    }
  });
  forward.join();
  backward.join();
  CHECK(counter == 2 * rounds);
}
