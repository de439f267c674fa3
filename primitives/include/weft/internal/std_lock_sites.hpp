// weft/internal/std_lock_sites.hpp
//
// std::lock_guard, std::unique_lock, std::scoped_lock (of one lock or several)
// and std::shared_lock for weft's locks, so that checker traces, lock-order
// warnings, deadlock reports and misuse reports name the line that made or
// used the guard, not a line in the standard library's header.
//
//   weft::mutex m;
//   void f() {
//     std::lock_guard guard(m);  // reports name this line
//   }
//
// Why: every weft lock operation takes a defaulted last parameter
// `weft::source_location where = weft::source_location::current()`, which
// captures its caller. libstdc++'s guards call m.lock() from inside
// <bits/std_mutex.h>, so the caller they capture is that header.
//
// How: the standard allows a program to specialize a standard class template
// for a program-defined type if the specialization meets the requirements of
// the original template ([namespace.std]). Below are constrained partial
// specializations of the four templates for lock types that opt in through
// weft::internal::std_guards_record_sites (each weft lock header sets it next
// to its class and includes this header, so they are declared before any use
// can instantiate the primary template). They have the standard interface,
// behaviour and errors; every constructor and member that locks or unlocks
// also takes a trailing defaulted `where` and hands it to the lock. Class
// template argument deduction is unchanged: `std::lock_guard guard(m);`
// deduces std::lock_guard<weft::mutex> from the primary template's
// constructors and then uses this specialization.
//
// The destructor's unlock has no caller to capture: it is attributed to
// where the guard last took (or adopted) its lock: the constructor's line
// for lock_guard and scoped_lock; for unique_lock and shared_lock, the line
// of the construction or of the lock()/try_lock*() call that took it
// last. A move carries that line along, and a move assignment's release of
// the lock held before uses it too.
//
// std::scoped_lock of two or more weft locks takes them with std::lock's
// algorithm (lock one, try the others; on a busy one, release, yield and
// start over from it), written out here so that every lock, try_lock and
// unlock names the guard's line; the yield is a scheduling point under the
// checker, which keeps a back-off retry fair. Not covered: std::lock(a, b)
// itself is a function template, which a program may not specialize or
// overload in namespace std, so its operations still name <mutex>.
//
// Thread-safety analysis (clang -Wthread-safety): the guards are scoped
// capabilities. The analysis follows construction that locks, adopt_lock,
// defer_lock, lock(), try_lock*() (as a condition on their result),
// unlock() and the destructor. It cannot follow owns_lock() or a move: a
// guard made by try_to_lock, a timeout, a move or the default constructor
// counts as holding nothing (take the lock with a deferred guard's
// try_lock() to let the analysis see it), and release() does not end the
// guard's hold in its eyes.
#pragma once

#include <array>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <tuple>
#include <utility>

#include "weft/internal/thread_annotations.hpp"
#include "weft/seam/thread.hpp"
#include "weft/source_location.hpp"

namespace weft::internal {

// Set to true for a lock type, next to its definition, to give it the std
// guards below.
template <typename M>
inline constexpr bool std_guards_record_sites = false;

// An opted-in lock whose exclusive operations take a call site.
template <typename M>
concept records_call_sites = std_guards_record_sites<M> &&
    requires(M& m, weft::source_location where) {
  m.lock(where);
  m.unlock(where);
  { m.try_lock(where) } -> std::convertible_to<bool>;
};

// ... and whose shared operations do too.
template <typename M>
concept records_shared_call_sites = records_call_sites<M> &&
    requires(M& m, weft::source_location where) {
  m.lock_shared(where);
  m.unlock_shared(where);
  { m.try_lock_shared(where) } -> std::convertible_to<bool>;
};

// The errors the standard's unique_lock and shared_lock throw.
[[noreturn]] inline void throw_guard_error(std::errc error) {
  throw std::system_error(std::make_error_code(error));
}

// What a std::unique_lock or std::shared_lock of a weft lock holds, and the
// bookkeeping the two share: which lock, whether it is owned, and where it
// was last taken (the site its destructor's unlock names). What differs,
// the lock operations and their thread-safety annotations, stays in each.
template <typename M>
struct guard_hold {
  M* m = nullptr;
  bool owns = false;
  weft::source_location site;

  guard_hold() noexcept = default;
  guard_hold(M* lock, bool owned, weft::source_location where) noexcept
      : m(lock), owns(owned), site(where) {}
  guard_hold(guard_hold&& other) noexcept
      : m(std::exchange(other.m, nullptr)),
        owns(std::exchange(other.owns, false)),
        site(other.site) {}
  guard_hold(const guard_hold&) = delete;
  guard_hold& operator=(const guard_hold&) = delete;
  // The caller has released what this hold owned.
  guard_hold& operator=(guard_hold&& other) noexcept {
    m = std::exchange(other.m, nullptr);
    owns = std::exchange(other.owns, false);
    site = other.site;
    return *this;
  }
  ~guard_hold() = default;

  void swap(guard_hold& other) noexcept {
    std::swap(m, other.m);
    std::swap(owns, other.owns);
    std::swap(site, other.site);
  }
  // Forgets the lock without unlocking it; returns it.
  M* release() noexcept {
    owns = false;
    return std::exchange(m, nullptr);
  }
  // The standard's errors of lock() and the try_lock*()s.
  void check_can_lock() const {
    if (m == nullptr) throw_guard_error(std::errc::operation_not_permitted);
    if (owns) throw_guard_error(std::errc::resource_deadlock_would_occur);
  }
  // The standard's error of unlock().
  void check_owns() const {
    if (!owns) throw_guard_error(std::errc::operation_not_permitted);
  }
  // Records the outcome of an attempt to take the lock at `where`.
  bool took(bool ok, weft::source_location where) noexcept {
    owns = ok;
    if (ok) site = where;
    return ok;
  }
};

// One lock of a multi-lock std::scoped_lock with its type erased, so that
// lock_all can index the locks at run time.
struct erased_lock {
  void* lock = nullptr;
  void (*take)(void*, weft::source_location) = nullptr;
  bool (*try_take)(void*, weft::source_location) = nullptr;
  void (*release)(void*, weft::source_location) = nullptr;
};

template <typename M>
erased_lock erase_lock(M& m) noexcept {
  return {std::addressof(m),
          [](void* l, weft::source_location where)
              WEFT_NO_THREAD_SAFETY_ANALYSIS { static_cast<M*>(l)->lock(where); },
          [](void* l, weft::source_location where) WEFT_NO_THREAD_SAFETY_ANALYSIS {
            return static_cast<bool>(static_cast<M*>(l)->try_lock(where));
          },
          [](void* l, weft::source_location where)
              WEFT_NO_THREAD_SAFETY_ANALYSIS { static_cast<M*>(l)->unlock(where); }};
}

// Takes every lock of `locks` (at least two, distinct) without deadlocking
// against threads that take the same locks in another order: takes one with
// lock(), then tries the others in turn; if one is busy, releases what it
// took, yields (a scheduling point under the checker, so that a thread
// retrying against a holder lets the holder run) and starts over with the
// busy one first, since waiting in lock() on it is where the time goes.
// Every operation names `where`. If an operation throws, the locks taken so
// far are released and the exception propagates.
template <std::size_t N>
void lock_all(const std::array<erased_lock, N>& locks, weft::source_location where) {
  static_assert(N >= 2);
  std::size_t first = 0;
  std::size_t taken = 0;  // locks[first], ..., locks[(first + taken - 1) % N]
  auto release_taken = [&] {
    for (; taken > 0; --taken) {
      const erased_lock& held = locks[(first + taken - 1) % N];
      held.release(held.lock, where);
    }
  };
  for (;;) {
    locks[first].take(locks[first].lock, where);
    taken = 1;
    try {
      while (taken < N) {
        const erased_lock& next = locks[(first + taken) % N];
        if (!next.try_take(next.lock, where)) break;
        ++taken;
      }
    } catch (...) {
      release_taken();
      throw;
    }
    if (taken == N) return;
    const std::size_t busy = (first + taken) % N;
    release_taken();
    first = busy;
    weft::seam::yield();
  }
}

}  // namespace weft::internal

// Program-defined specializations, allowed in namespace std (see above).
// A note on the annotations: each member's own body takes or releases the
// lock through a pointer the analysis cannot relate to the guard, so the
// bodies are not analysed (WEFT_NO_THREAD_SAFETY_ANALYSIS); callers are.
// On a constructor with no other annotation, the attribute also makes clang
// register the guard as a scoped capability that holds nothing, so that
// its destructor's WEFT_RELEASE() is not reported as releasing a lock that
// was never taken.
namespace std {

template <typename M>
requires weft::internal::records_call_sites<M>
class WEFT_SCOPED_CAPABILITY lock_guard<M> {
 public:
  using mutex_type = M;

  explicit lock_guard(M& m, weft::source_location where = weft::source_location::current())
      WEFT_NO_THREAD_SAFETY_ANALYSIS WEFT_ACQUIRE(m)
      : m_(m), site_(where) {
    m.lock(where);
  }

  // Requires: the calling thread holds `m`.
  lock_guard(M& m, adopt_lock_t,
             weft::source_location where = weft::source_location::current()) noexcept
      WEFT_REQUIRES(m)
      : m_(m), site_(where) {}

  // Unlocks, attributed to the constructor's line.
  ~lock_guard() WEFT_RELEASE() WEFT_NO_THREAD_SAFETY_ANALYSIS { m_.unlock(site_); }

  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;

 private:
  M& m_;
  weft::source_location site_;
};

template <typename M>
requires weft::internal::records_call_sites<M>
class WEFT_SCOPED_CAPABILITY scoped_lock<M> {
 public:
  using mutex_type = M;

  explicit scoped_lock(M& m, weft::source_location where = weft::source_location::current())
      WEFT_NO_THREAD_SAFETY_ANALYSIS WEFT_ACQUIRE(m)
      : m_(m), site_(where) {
    m.lock(where);
  }

  // Requires: the calling thread holds `m`.
  explicit scoped_lock(adopt_lock_t, M& m,
                       weft::source_location where = weft::source_location::current()) noexcept
      WEFT_REQUIRES(m)
      : m_(m), site_(where) {}

  // Unlocks, attributed to the constructor's line.
  ~scoped_lock() WEFT_RELEASE() WEFT_NO_THREAD_SAFETY_ANALYSIS { m_.unlock(site_); }

  scoped_lock(const scoped_lock&) = delete;
  scoped_lock& operator=(const scoped_lock&) = delete;

 private:
  M& m_;
  weft::source_location site_;
};

// Two or more weft locks (see lock_all). Not annotated for the
// thread-safety analysis, like libstdc++'s own scoped_lock: an annotation
// naming a pack of locks is not portable across clang versions.
template <typename... Ms>
requires(sizeof...(Ms) >= 2 &&
         (weft::internal::records_call_sites<Ms> && ...)) class scoped_lock<Ms...> {
 public:
  // Takes every lock, whichever order other threads take them in.
  // Requires: the locks are distinct objects.
  explicit scoped_lock(Ms&... ms, weft::source_location where = weft::source_location::current())
      WEFT_NO_THREAD_SAFETY_ANALYSIS : locks_(ms...),
                                       site_(where) {
    weft::internal::lock_all(
        std::array<weft::internal::erased_lock, sizeof...(Ms)>{weft::internal::erase_lock(ms)...},
        where);
  }

  // Requires: the calling thread holds every lock.
  explicit scoped_lock(adopt_lock_t, Ms&... ms,
                       weft::source_location where = weft::source_location::current()) noexcept
      : locks_(ms...), site_(where) {}

  // Unlocks every lock, last first, attributed to the constructor's line.
  ~scoped_lock() WEFT_NO_THREAD_SAFETY_ANALYSIS {
    std::apply([this](Ms&... ms) { unlock_reversed(ms...); }, locks_);
  }

  scoped_lock(const scoped_lock&) = delete;
  scoped_lock& operator=(const scoped_lock&) = delete;

 private:
  template <typename First, typename... Rest>
  void unlock_reversed(First& first, Rest&... rest) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    if constexpr (sizeof...(Rest) > 0) unlock_reversed(rest...);
    first.unlock(site_);
  }

  tuple<Ms&...> locks_;
  weft::source_location site_;
};

template <typename M>
requires weft::internal::records_call_sites<M>
class WEFT_SCOPED_CAPABILITY unique_lock<M> {
 public:
  using mutex_type = M;

  unique_lock() noexcept WEFT_NO_THREAD_SAFETY_ANALYSIS = default;

  explicit unique_lock(M& m, weft::source_location where = weft::source_location::current())
      WEFT_NO_THREAD_SAFETY_ANALYSIS WEFT_ACQUIRE(m)
      : hold_(std::addressof(m), false, where) {
    m.lock(where);
    hold_.owns = true;
  }

  unique_lock(M& m, defer_lock_t) noexcept WEFT_EXCLUDES(m) : hold_(std::addressof(m), false, {}) {}

  unique_lock(M& m, try_to_lock_t, weft::source_location where = weft::source_location::current())
      WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.m = std::addressof(m);
    hold_.took(m.try_lock(where), where);
  }

  // Requires: the calling thread holds `m`.
  unique_lock(M& m, adopt_lock_t,
              weft::source_location where = weft::source_location::current()) noexcept
      WEFT_REQUIRES(m)
      : hold_(std::addressof(m), true, where) {}

  template <typename Clock, typename Duration>
  requires requires(M& m, const chrono::time_point<Clock, Duration>& deadline,
                    weft::source_location where) {
    m.try_lock_until(deadline, where);
  }
  unique_lock(M& m, const chrono::time_point<Clock, Duration>& deadline,
              weft::source_location where = weft::source_location::current())
      WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.m = std::addressof(m);
    hold_.took(m.try_lock_until(deadline, where), where);
  }

  template <typename Rep, typename Period>
  requires requires(M& m, const chrono::duration<Rep, Period>& timeout,
                    weft::source_location where) {
    m.try_lock_for(timeout, where);
  }
  unique_lock(M& m, const chrono::duration<Rep, Period>& timeout,
              weft::source_location where = weft::source_location::current())
      WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.m = std::addressof(m);
    hold_.took(m.try_lock_for(timeout, where), where);
  }

  // Unlocks if it owns the lock, attributed to where it last took it.
  ~unique_lock() WEFT_RELEASE() WEFT_NO_THREAD_SAFETY_ANALYSIS {
    if (hold_.owns) hold_.m->unlock(hold_.site);
  }

  unique_lock(const unique_lock&) = delete;
  unique_lock& operator=(const unique_lock&) = delete;

  unique_lock(unique_lock&& other) noexcept WEFT_NO_THREAD_SAFETY_ANALYSIS
      : hold_(std::move(other.hold_)) {}

  // Unlocks the lock this guard owned, if any, then takes over `other`'s.
  unique_lock& operator=(unique_lock&& other) noexcept WEFT_NO_THREAD_SAFETY_ANALYSIS {
    if (this == &other) return *this;
    if (hold_.owns) hold_.m->unlock(hold_.site);
    hold_ = std::move(other.hold_);
    return *this;
  }

  // Throws std::system_error: operation_not_permitted without a lock,
  // resource_deadlock_would_occur if it already owns it.
  void lock(weft::source_location where = weft::source_location::current())
      WEFT_ACQUIRE() WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.check_can_lock();
    hold_.m->lock(where);
    hold_.took(true, where);
  }

  // Errors as for lock().
  bool try_lock(weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE(true) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.check_can_lock();
    return hold_.took(hold_.m->try_lock(where), where);
  }

  // Errors as for lock().
  template <typename Rep, typename Period>
  requires requires(M& m, const chrono::duration<Rep, Period>& timeout,
                    weft::source_location where) {
    m.try_lock_for(timeout, where);
  }
  bool try_lock_for(const chrono::duration<Rep, Period>& timeout,
                    weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE(true) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.check_can_lock();
    return hold_.took(hold_.m->try_lock_for(timeout, where), where);
  }

  // Errors as for lock().
  template <typename Clock, typename Duration>
  requires requires(M& m, const chrono::time_point<Clock, Duration>& deadline,
                    weft::source_location where) {
    m.try_lock_until(deadline, where);
  }
  bool try_lock_until(const chrono::time_point<Clock, Duration>& deadline,
                      weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE(true) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.check_can_lock();
    return hold_.took(hold_.m->try_lock_until(deadline, where), where);
  }

  // Throws std::system_error(operation_not_permitted) if it does not own
  // the lock.
  void unlock(weft::source_location where = weft::source_location::current())
      WEFT_RELEASE() WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.check_owns();
    hold_.m->unlock(where);
    hold_.owns = false;
  }

  void swap(unique_lock& other) noexcept { hold_.swap(other.hold_); }

  // Forgets the lock without unlocking it; returns it.
  M* release() noexcept { return hold_.release(); }

  [[nodiscard]] bool owns_lock() const noexcept { return hold_.owns; }
  explicit operator bool() const noexcept { return hold_.owns; }
  [[nodiscard]] M* mutex() const noexcept { return hold_.m; }

 private:
  weft::internal::guard_hold<M> hold_;
};

template <typename M>
requires weft::internal::records_shared_call_sites<M>
class WEFT_SCOPED_CAPABILITY shared_lock<M> {
 public:
  using mutex_type = M;

  shared_lock() noexcept WEFT_NO_THREAD_SAFETY_ANALYSIS = default;

  explicit shared_lock(M& m, weft::source_location where = weft::source_location::current())
      WEFT_NO_THREAD_SAFETY_ANALYSIS WEFT_ACQUIRE_SHARED(m)
      : hold_(std::addressof(m), false, where) {
    m.lock_shared(where);
    hold_.owns = true;
  }

  shared_lock(M& m, defer_lock_t) noexcept WEFT_EXCLUDES(m) : hold_(std::addressof(m), false, {}) {}

  shared_lock(M& m, try_to_lock_t, weft::source_location where = weft::source_location::current())
      WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.m = std::addressof(m);
    hold_.took(m.try_lock_shared(where), where);
  }

  // Requires: the calling thread holds `m` shared.
  shared_lock(M& m, adopt_lock_t,
              weft::source_location where = weft::source_location::current()) noexcept
      WEFT_REQUIRES_SHARED(m)
      : hold_(std::addressof(m), true, where) {}

  template <typename Clock, typename Duration>
  requires requires(M& m, const chrono::time_point<Clock, Duration>& deadline,
                    weft::source_location where) {
    m.try_lock_shared_until(deadline, where);
  }
  shared_lock(M& m, const chrono::time_point<Clock, Duration>& deadline,
              weft::source_location where = weft::source_location::current())
      WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.m = std::addressof(m);
    hold_.took(m.try_lock_shared_until(deadline, where), where);
  }

  template <typename Rep, typename Period>
  requires requires(M& m, const chrono::duration<Rep, Period>& timeout,
                    weft::source_location where) {
    m.try_lock_shared_for(timeout, where);
  }
  shared_lock(M& m, const chrono::duration<Rep, Period>& timeout,
              weft::source_location where = weft::source_location::current())
      WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.m = std::addressof(m);
    hold_.took(m.try_lock_shared_for(timeout, where), where);
  }

  // Unlocks if it owns the lock, attributed to where it last took it.
  ~shared_lock() WEFT_RELEASE() WEFT_NO_THREAD_SAFETY_ANALYSIS {
    if (hold_.owns) hold_.m->unlock_shared(hold_.site);
  }

  shared_lock(const shared_lock&) = delete;
  shared_lock& operator=(const shared_lock&) = delete;

  shared_lock(shared_lock&& other) noexcept WEFT_NO_THREAD_SAFETY_ANALYSIS
      : hold_(std::move(other.hold_)) {}

  // Unlocks the lock this guard owned, if any, then takes over `other`'s.
  shared_lock& operator=(shared_lock&& other) noexcept WEFT_NO_THREAD_SAFETY_ANALYSIS {
    if (this == &other) return *this;
    if (hold_.owns) hold_.m->unlock_shared(hold_.site);
    hold_ = std::move(other.hold_);
    return *this;
  }

  // Throws std::system_error: operation_not_permitted without a lock,
  // resource_deadlock_would_occur if it already owns it.
  void lock(weft::source_location where = weft::source_location::current())
      WEFT_ACQUIRE_SHARED() WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.check_can_lock();
    hold_.m->lock_shared(where);
    hold_.took(true, where);
  }

  // Errors as for lock().
  bool try_lock(weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE_SHARED(true) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.check_can_lock();
    return hold_.took(hold_.m->try_lock_shared(where), where);
  }

  // Errors as for lock().
  template <typename Rep, typename Period>
  requires requires(M& m, const chrono::duration<Rep, Period>& timeout,
                    weft::source_location where) {
    m.try_lock_shared_for(timeout, where);
  }
  bool try_lock_for(const chrono::duration<Rep, Period>& timeout,
                    weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE_SHARED(true) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.check_can_lock();
    return hold_.took(hold_.m->try_lock_shared_for(timeout, where), where);
  }

  // Errors as for lock().
  template <typename Clock, typename Duration>
  requires requires(M& m, const chrono::time_point<Clock, Duration>& deadline,
                    weft::source_location where) {
    m.try_lock_shared_until(deadline, where);
  }
  bool try_lock_until(const chrono::time_point<Clock, Duration>& deadline,
                      weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE_SHARED(true) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.check_can_lock();
    return hold_.took(hold_.m->try_lock_shared_until(deadline, where), where);
  }

  // Throws std::system_error(operation_not_permitted) if it does not own
  // the lock.
  void unlock(weft::source_location where = weft::source_location::current())
      WEFT_RELEASE() WEFT_NO_THREAD_SAFETY_ANALYSIS {
    hold_.check_owns();
    hold_.m->unlock_shared(where);
    hold_.owns = false;
  }

  void swap(shared_lock& other) noexcept { hold_.swap(other.hold_); }

  // Forgets the lock without unlocking it; returns it.
  M* release() noexcept { return hold_.release(); }

  [[nodiscard]] bool owns_lock() const noexcept { return hold_.owns; }
  explicit operator bool() const noexcept { return hold_.owns; }
  [[nodiscard]] M* mutex() const noexcept { return hold_.m; }

 private:
  weft::internal::guard_hold<M> hold_;
};

}  // namespace std
