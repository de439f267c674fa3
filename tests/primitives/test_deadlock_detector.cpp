// The runtime deadlock detector on real threads: deadlocks reported (and
// survived, in throw mode), lock-order inversions reported in runs that did
// not deadlock, nothing reported for a consistent order, readers-writer
// cycles, snapshots and renderings, and that it stays out of the way when off
// or under the checker.
//
// Interleavings are forced with latches and by polling the detector's or
// the lock's own diagnostics, never by sleeping. A watchdog aborts a test
// that hangs (the detector missed a deadlock): it is a guard only.
#include "weft/deadlock_detector.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/checker_programs.hpp"
#include "weft/check.hpp"
#include "weft/condition_variable.hpp"
#include "weft/mutex.hpp"
#include "weft/shared_mutex.hpp"
#include "weft/spin_lock.hpp"
#include "weft/thread.hpp"
#include "weft/ticket_lock.hpp"

namespace dd = weft::deadlock_detector;
using namespace std::chrono_literals;

#if WEFT_DEADLOCK_DETECTOR

namespace {

// Aborts the process if the scope is not left within `limit`: a hang means
// the detector missed a deadlock. A guard, never the assertion.
class watchdog {
 public:
  explicit watchdog(const char* what, std::chrono::seconds limit = 120s)
      : thread_([this, what, limit] {
          std::unique_lock lock(mu_);
          if (!done_cv_.wait_for(lock, limit, [this] { return done_; })) {
            std::fprintf(stderr, "watchdog: \"%s\" hung (a deadlock the detector missed?)\n", what);
            std::abort();
          }
        }) {}
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;
  ~watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;  // last: starts once the rest exists
};

// Collects detector reports: those of reaction::report (through
// callback()) and those a test's threads caught (add()).
class collector {
 public:
  std::function<void(const dd::report&)> callback() {
    return [this](const dd::report& r) { add(r); };
  }
  void add(const dd::report& r) {
    std::lock_guard lock(mu_);
    reports_.push_back(r);
  }
  std::vector<dd::report> all() {
    std::lock_guard lock(mu_);
    return reports_;
  }
  std::vector<dd::report> of(dd::report_kind kind) {
    std::vector<dd::report> out;
    for (const dd::report& r : all()) {
      if (r.kind == kind) out.push_back(r);
    }
    return out;
  }
  std::size_t count(dd::report_kind kind) { return of(kind).size(); }
  std::size_t total() { return all().size(); }

 private:
  std::mutex mu_;
  std::vector<dd::report> reports_;
};

// Options that throw weft::deadlock_error at a deadlock (the default only
// reports it).
dd::options throw_on_deadlock() {
  dd::options o;
  o.on_deadlock = dd::reaction::throw_error;
  return o;
}

// The detector on for one test case, and off again when the case ends
// (also when it fails). Reports of reaction::report go to `reports`
// unless `opts` brings its own callback; what the case's threads catch
// goes to `thrown` (see threw()). A watchdog guards the whole case.
class detector_on {
 public:
  explicit detector_on(const char* what, dd::options opts = {})
      : session_(with_callback(std::move(opts), reports)), guard_(what) {
    REQUIRE(session_.enabled);
  }
  detector_on(const detector_on&) = delete;
  detector_on& operator=(const detector_on&) = delete;

  // Runs `body` and says whether it threw weft::deadlock_error, recording
  // the error's report in `thrown`.
  template <typename F>
  bool threw(F&& body) {
    try {
      std::forward<F>(body)();
      return false;
    } catch (const weft::deadlock_error& e) {
      thrown.add(e.details());
      return true;
    }
  }

  // The one report thrown in the case; fails the case unless there was
  // exactly one.
  dd::report only_thrown() {
    const std::vector<dd::report> all = thrown.all();
    REQUIRE(all.size() == 1);
    return all.front();
  }

  collector reports;
  collector thrown;

 private:
  static dd::options with_callback(dd::options opts, collector& c) {
    if (!opts.callback) opts.callback = c.callback();
    return opts;
  }
  // enable() in the constructor, disable() in the destructor: a member, so
  // that a failing REQUIRE in detector_on's constructor still disables.
  struct session {
    explicit session(dd::options opts) : enabled(dd::enable(std::move(opts))) {}
    session(const session&) = delete;
    session& operator=(const session&) = delete;
    ~session() { dd::disable(); }
    bool enabled;
  };
  session session_;  // after the collectors, which its callback uses
  watchdog guard_;
};

// On a new thread, joined before this returns: takes `outer`, then `inner`
// while holding it, then lets go of both (a lock-order edge outer -> inner).
template <typename Outer, typename Inner>
void nest_on_new_thread(Outer& outer, Inner& inner) {
  std::thread([&outer, &inner] {
    std::lock_guard hold_outer(outer);
    std::lock_guard hold_inner(inner);
  }).join();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string site_text(weft::source_location where) {
  return "test_deadlock_detector.cpp:" + std::to_string(where.line());
}

// Polls `condition` (bounded by the test's watchdog).
template <typename F>
void wait_until(F&& condition) {
  while (!condition())
    std::this_thread::yield();
}

// Whether the detector records thread `id` as waiting (for `lock`, if
// given).
bool detector_sees_waiting(weft::seam::thread_id id, const void* lock = nullptr) {
  for (const dd::thread_snapshot& t : dd::take_snapshot().threads) {
    if (t.thread.id == id && t.waiting) return lock == nullptr || t.waiting->lock.address == lock;
  }
  return false;
}

// Every thread the detector knows holds nothing and waits for nothing.
bool nothing_held_or_awaited() {
  for (const dd::thread_snapshot& t : dd::take_snapshot().threads) {
    if (!t.held.empty() || t.waiting) return false;
  }
  return true;
}

}  // namespace

// ---- Deadlocks -------------------------------------------------------------------

TEMPLATE_TEST_CASE("naive dining philosophers: the closing wait throws, the others eat",
                   "[deadlock_detector]", weft::mutex, weft::spin_lock, weft::ticket_lock,
                   weft::shared_mutex) {
  constexpr bool can_time = requires(TestType & l) {
    l.try_lock_for(1s);
  };
  const int n = GENERATE(2, 3, 5);
  // Timed waits count too; their generous timeout is only a guard.
  const bool timed = GENERATE(take(can_time ? 2U : 1U, values({0, 1}))) != 0;
  CAPTURE(n, timed);

  detector_on d("dining philosophers", throw_on_deadlock());

  std::vector<std::unique_ptr<TestType>> forks;
  for (int i = 0; i < n; ++i) {
    forks.push_back(std::make_unique<TestType>());
    dd::name_lock(forks.back().get(), "fork " + std::to_string(i));
  }
  const weft::source_location take_left = weft::source_location::current();
  const weft::source_location take_right = weft::source_location::current();

  std::latch all_hold_left(n);
  std::atomic<int> ate{0};
  std::atomic<int> timeouts{0};
  std::vector<std::thread> philosophers;
  for (int i = 0; i < n; ++i) {
    philosophers.emplace_back([&, i] {
      dd::name_this_thread("philosopher " + std::to_string(i));
      TestType& left = *forks[static_cast<std::size_t>(i)];
      TestType& right = *forks[static_cast<std::size_t>((i + 1) % n)];
      left.lock(take_left);
      std::unique_lock left_held(left, std::adopt_lock);
      all_hold_left.arrive_and_wait();
      d.threw([&] {
        bool got = true;
        if constexpr (can_time) {
          if (timed) {
            got = right.try_lock_for(60s, take_right);
          } else {
            right.lock(take_right);
          }
        } else {
          right.lock(take_right);
        }
        if (got) {
          ++ate;
          right.unlock();
        } else {
          ++timeouts;
        }
      });
    });
  }
  for (std::thread& t : philosophers)
    t.join();

  // Exactly the philosopher whose wait closed the cycle was told; it let go
  // of its left fork, and every other philosopher ate.
  const dd::report r = d.only_thrown();
  CHECK(ate == n - 1);
  CHECK(timeouts == 0);
  CHECK(r.kind == dd::report_kind::deadlock);
  REQUIRE(r.wait_cycle.size() == static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < r.wait_cycle.size(); ++i) {
    const dd::wait_step& step = r.wait_cycle[i];
    const dd::wait_step& next = r.wait_cycle[(i + 1) % r.wait_cycle.size()];
    CHECK(step.holder.id == next.waiter.id);
    CHECK(step.waiter.id != step.holder.id);
    CHECK(step.waiter.name.rfind("philosopher ", 0) == 0);
    CHECK(step.lock.name.rfind("fork ", 0) == 0);
    CHECK(step.lock.type == std::string(TestType::type_name));
    CHECK(step.requested_mode == weft::lock_mode::exclusive);
    CHECK(step.held_mode == weft::lock_mode::exclusive);
    CHECK_FALSE(step.holder_waiting);
    CHECK(step.requested_at.line() == take_right.line());
    CHECK(step.held_at.line() == take_left.line());
  }
  // The lock order closed a cycle too, one request earlier.
  const auto inversions = d.reports.of(dd::report_kind::lock_order_inversion);
  REQUIRE(inversions.size() == 1);
  CHECK(inversions.front().order_cycle.size() == static_cast<std::size_t>(n));

  // No lock is held wrongly: every fork is free, and the detector agrees.
  for (auto& fork : forks) {
    REQUIRE(fork->try_lock());
    fork->unlock();
  }
  CHECK(nothing_held_or_awaited());
}

TEST_CASE("report mode: the callback hears of the deadlock and the program breaks it",
          "[deadlock_detector]") {
  detector_on d("report mode deadlock");  // reaction::report
  weft::mutex a;
  weft::mutex b;
  std::latch both_hold(2);
  bool first_got_b = false;
  int polls = 0;
  // The first thread blocks in a plain lock(); the second keeps retrying a
  // short timed lock (each retry a wait the detector checks) until the
  // deadlock has been reported, then backs off.
  std::thread first([&] {
    std::lock_guard hold_a(a);
    both_hold.arrive_and_wait();
    std::lock_guard hold_b(b);
    first_got_b = true;
  });
  std::thread second([&] {
    std::unique_lock hold_b(b);
    both_hold.arrive_and_wait();
    while (d.reports.count(dd::report_kind::deadlock) == 0) {
      ++polls;
      if (a.try_lock_for(5ms)) a.unlock();  // cannot happen while `first` holds a
    }
  });
  first.join();
  second.join();
  CHECK(first_got_b);
  CHECK(polls >= 1);
  // Usually one report; two if the second thread's next retry closed the
  // cycle again before the first thread's callback had run.
  const auto deadlocks = d.reports.of(dd::report_kind::deadlock);
  REQUIRE_FALSE(deadlocks.empty());
  for (const dd::report& r : deadlocks) {
    REQUIRE(r.wait_cycle.size() == 2);
    CHECK(r.wait_cycle[0].holder.id == r.wait_cycle[1].waiter.id);
    const std::string text = dd::to_text(r);
    CHECK(contains(text, "would wait forever (cycle: "));
    CHECK(contains(text, "back to thread"));
    CHECK(contains(text, "(timed)"));  // the second thread's waits are timed
  }
  CHECK(d.reports.count(dd::report_kind::lock_order_inversion) == 1);
  CHECK(nothing_held_or_awaited());
}

TEST_CASE("a thread relocking a lock it holds is a cycle of one", "[deadlock_detector]") {
  // With WEFT_CHECKS the lock reports the misuse first; the detector sees
  // the relock only through a lock that does not check (a shared_mutex
  // writer waiting for the readers, itself among them).
  detector_on d("relock", throw_on_deadlock());
  weft::shared_mutex m;
  std::thread t([&] {
    m.lock_shared();
    d.threw([&] { m.lock(); });  // an upgrade: waits for every reader, including itself
    m.unlock_shared();
  });
  t.join();
  const dd::report error = d.only_thrown();
  REQUIRE(error.wait_cycle.size() == 1);
  CHECK(error.wait_cycle[0].waiter.id == error.wait_cycle[0].holder.id);
  CHECK(error.wait_cycle[0].held_mode == weft::lock_mode::shared);
  CHECK(m.readers_for_diagnostics() == 0);
  CHECK_FALSE(m.is_locked_for_diagnostics());
  CHECK(m.waiting_writers_for_diagnostics() == 0);
}

// ---- Readers-writer cycles -----------------------------------------------------

TEST_CASE("shared_mutex: a reader that wants the other lock and a writer that wants the first",
          "[deadlock_detector]") {
  detector_on d("reader/writer cycle", throw_on_deadlock());
  weft::shared_mutex r;
  weft::shared_mutex w;
  dd::name_lock(&r, "R");
  dd::name_lock(&w, "W");
  std::latch both_hold(2);
  std::atomic<int> finished{0};
  // A holds R shared and wants W exclusively; B holds W and wants R
  // exclusively: B waits for the reader A, A for the writer B.
  std::thread a([&] {
    std::shared_lock hold_r(r);
    both_hold.arrive_and_wait();
    d.threw([&] {
      std::lock_guard hold_w(w);
      ++finished;
    });
  });
  std::thread b([&] {
    std::unique_lock hold_w(w);
    both_hold.arrive_and_wait();
    d.threw([&] {
      std::lock_guard hold_r(r);
      ++finished;
    });
  });
  a.join();
  b.join();
  const dd::report rep = d.only_thrown();
  CHECK(finished == 1);
  REQUIRE(rep.wait_cycle.size() == 2);
  // The step that waits for R waits for its reader.
  int reader_steps = 0;
  for (const dd::wait_step& step : rep.wait_cycle) {
    CHECK(step.requested_mode == weft::lock_mode::exclusive);
    if (step.lock.name == "R") {
      CHECK(step.held_mode == weft::lock_mode::shared);
      ++reader_steps;
    } else {
      CHECK(step.lock.name == "W");
      CHECK(step.held_mode == weft::lock_mode::exclusive);
    }
  }
  CHECK(reader_steps == 1);
  CHECK(contains(dd::to_text(rep), "held shared by"));
  CHECK(r.readers_for_diagnostics() == 0);
  CHECK_FALSE(r.is_locked_for_diagnostics());
  CHECK_FALSE(w.is_locked_for_diagnostics());
  CHECK(nothing_held_or_awaited());
}

TEST_CASE("shared_mutex: a reader queued behind a waiting writer closes a cycle",
          "[deadlock_detector]") {
  // A holds R shared; writer W waits for R (for A); B holds M and asks for R
  // shared: writers go first, so B queues behind W. When A then asks for M,
  // A -> M -> B -> R (behind W) -> W -> R -> A is a deadlock although no
  // writer holds R.
  detector_on d("reader behind writer", throw_on_deadlock());
  weft::shared_mutex r;
  weft::mutex m;
  dd::name_lock(&r, "R");
  dd::name_lock(&m, "M");
  std::latch a_holds_r(1);
  std::latch b_holds_m(1);
  bool a_got_m = false;
  bool w_got_r = false;
  bool b_got_r = false;
  std::thread a([&] {
    std::shared_lock hold_r(r);
    a_holds_r.count_down();
    wait_until([&] { return r.waiting_readers_for_diagnostics() != 0; });  // B queued
    d.threw([&] {
      std::lock_guard hold_m(m);
      a_got_m = true;
    });
  });
  std::thread w([&] {
    a_holds_r.wait();
    std::lock_guard hold_r(r);
    w_got_r = true;
  });
  std::thread b([&] {
    std::lock_guard hold_m(m);
    b_holds_m.count_down();
    wait_until([&] { return r.waiting_writers_for_diagnostics() != 0; });  // W registered
    std::shared_lock hold_r(r);
    b_got_r = true;
  });
  a.join();
  w.join();
  b.join();
  const dd::report error = d.only_thrown();
  CHECK_FALSE(a_got_m);
  CHECK(w_got_r);
  CHECK(b_got_r);
  REQUIRE(error.wait_cycle.size() == 3);
  const dd::wait_step& a_waits = error.wait_cycle[0];
  const dd::wait_step& b_waits = error.wait_cycle[1];
  const dd::wait_step& w_waits = error.wait_cycle[2];
  CHECK(a_waits.lock.name == "M");
  CHECK(b_waits.lock.name == "R");
  CHECK(b_waits.requested_mode == weft::lock_mode::shared);
  CHECK(b_waits.holder_waiting);
  CHECK(w_waits.lock.name == "R");
  CHECK(w_waits.held_mode == weft::lock_mode::shared);
  CHECK(w_waits.holder.id == a_waits.waiter.id);
  CHECK(contains(dd::to_text(error), "queued behind the waiting writer"));
  CHECK(nothing_held_or_awaited());
}

// ---- Lock order --------------------------------------------------------------------

TEMPLATE_TEST_CASE("a lock-order inversion is reported in a run that did not deadlock",
                   "[deadlock_detector]", weft::mutex, weft::spin_lock, weft::ticket_lock,
                   weft::shared_mutex) {
  detector_on d("lock-order inversion");
  TestType a;
  TestType b;
  dd::name_lock(&a, "accounts");
  dd::name_lock(&b, "ledger");
  const weft::source_location first_a = weft::source_location::current();
  const weft::source_location first_b = weft::source_location::current();
  const weft::source_location second_b = weft::source_location::current();
  const weft::source_location second_a = weft::source_location::current();
  // One thread after the other: never a deadlock, but a potential one.
  std::thread([&] {
    dd::name_this_thread("first");
    a.lock(first_a);
    b.lock(first_b);
    b.unlock();
    a.unlock();
  }).join();
  CHECK(d.reports.total() == 0);
  std::thread([&] {
    dd::name_this_thread("second");
    b.lock(second_b);
    a.lock(second_a);
    a.unlock();
    b.unlock();
  }).join();

  REQUIRE(d.reports.total() == 1);
  const dd::report r = d.reports.of(dd::report_kind::lock_order_inversion).at(0);
  REQUIRE(r.order_cycle.size() == 2);
  const dd::order_step& e1 = r.order_cycle[0];
  const dd::order_step& e2 = r.order_cycle[1];  // the closing request
  CHECK(e1.thread.name == "first");
  CHECK(e1.held.name == "accounts");
  CHECK(e1.acquired.name == "ledger");
  CHECK(e1.held_at.line() == first_a.line());
  CHECK(e1.acquired_at.line() == first_b.line());
  CHECK(e2.thread.name == "second");
  CHECK(e2.held.name == "ledger");
  CHECK(e2.acquired.name == "accounts");
  CHECK(e2.held.type == std::string(TestType::type_name));
  const std::string text = dd::to_text(r);
  CHECK(contains(text, "lock-order inversion (potential deadlock): thread " +
                           std::to_string(e1.thread.id) + " (first) took accounts (at " +
                           site_text(first_a) + ") then ledger (at " + site_text(first_b) + ")"));
  CHECK(contains(text, "(second) took ledger (at " + site_text(second_b) + ") then accounts (at " +
                           site_text(second_a) + ")"));
}

TEST_CASE("lock-order rules: one thread, gate locks, try_lock, reader locks",
          "[deadlock_detector]") {
  SECTION("one thread taking both orders is no deadlock") {
    detector_on d("lock-order rules");
    weft::mutex a;
    weft::mutex b;
    std::thread([&] {
      { std::scoped_lock both(a, b); }
      std::lock_guard hold_b(b);
      std::lock_guard hold_a(a);
    }).join();
    CHECK(d.reports.total() == 0);
  }
  SECTION("...unless the caller asks for such cycles") {
    dd::options opts;
    opts.require_distinct_threads = false;
    detector_on d("lock-order rules", opts);
    weft::mutex a;
    weft::mutex b;
    std::thread([&] {
      {
        std::lock_guard hold_a(a);
        std::lock_guard hold_b(b);
      }
      std::lock_guard hold_b(b);
      std::lock_guard hold_a(a);
    }).join();
    CHECK(d.reports.count(dd::report_kind::lock_order_inversion) == 1);
  }
  SECTION("both orders taken under one common gate lock") {
    detector_on d("lock-order rules");
    weft::mutex gate;
    weft::mutex a;
    weft::mutex b;
    std::thread([&] {
      std::lock_guard hold_gate(gate);
      std::lock_guard hold_a(a);
      std::lock_guard hold_b(b);
    }).join();
    std::thread([&] {
      std::lock_guard hold_gate(gate);
      std::lock_guard hold_b(b);
      std::lock_guard hold_a(a);
    }).join();
    CHECK(d.reports.total() == 0);
  }
  SECTION("a try_lock makes no edge, but its lock counts as held") {
    detector_on d("lock-order rules");
    weft::mutex a;
    weft::mutex b;
    weft::mutex x;
    std::thread([&] {
      std::lock_guard hold_a(a);
      REQUIRE(b.try_lock());      // no a -> b edge
      std::lock_guard hold_x(x);  // b -> x (and a -> x)
      b.unlock();
    }).join();
    nest_on_new_thread(b, a);  // b -> a: no cycle without a -> b
    CHECK(d.reports.total() == 0);
    nest_on_new_thread(x, b);  // x -> b closes b -> x -> b
    CHECK(d.reports.count(dd::report_kind::lock_order_inversion) == 1);
  }
  SECTION("reader acquisitions make edges too") {
    detector_on d("lock-order rules");
    weft::shared_mutex a;
    weft::mutex b;
    std::thread([&] {
      std::shared_lock hold_a(a);
      std::lock_guard hold_b(b);
    }).join();
    std::thread([&] {
      std::lock_guard hold_b(b);
      std::shared_lock hold_a(a);
    }).join();
    CHECK(d.reports.count(dd::report_kind::lock_order_inversion) == 1);
  }
}

TEST_CASE("a thread's repeated request is rechecked once a lock at its address is new",
          "[deadlock_detector]") {
  // A thread that repeats a request skips the lock-order graph; a lock
  // destroyed and recreated at the same address must not inherit that.
  detector_on d("address reuse");
  weft::mutex a;
  std::optional<weft::mutex> b;
  b.emplace();
  std::latch first_pair_done(1);
  std::latch b_renewed(1);
  std::thread long_lived([&] {
    for (int i = 0; i < 2; ++i) {  // the second request is a repeat
      std::lock_guard hold_a(a);
      std::lock_guard hold_b(*b);
    }
    first_pair_done.count_down();
    b_renewed.wait();
    std::lock_guard hold_a(a);
    std::lock_guard hold_b(*b);  // a -> (new) b, closing new b -> a
  });
  first_pair_done.wait();
  b.reset();
  b.emplace();  // same storage, so the same address
  nest_on_new_thread(*b, a);
  CHECK(d.reports.total() == 0);  // the old a -> b edge went with the old b
  b_renewed.count_down();
  long_lived.join();
  CHECK(d.reports.count(dd::report_kind::lock_order_inversion) == 1);
}

TEST_CASE("throw mode for inversions: the request throws and nothing changes",
          "[deadlock_detector]") {
  dd::options opts;
  opts.on_lock_order = dd::reaction::throw_error;
  detector_on d("throw mode for inversions", opts);
  weft::mutex a;
  weft::mutex b;
  nest_on_new_thread(a, b);
  bool threw = false;
  bool a_free_after = false;
  bool b_still_held = false;
  bool relock_ok = false;
  std::thread([&] {
    std::lock_guard hold_b(b);
    threw = d.threw([&] {
      a.lock();
      a.unlock();
    });
    a_free_after = !a.is_locked_for_diagnostics();
    b_still_held = b.is_locked_for_diagnostics();
    // The cycle is reported once: taking the locks again goes through.
    a.lock();
    relock_ok = true;
    a.unlock();
  }).join();
  CHECK(threw);
  CHECK(d.thrown.count(dd::report_kind::lock_order_inversion) == 1);
  CHECK(a_free_after);
  CHECK(b_still_held);
  CHECK(relock_ok);
  CHECK(nothing_held_or_awaited());
}

TEST_CASE("the ordered variant is never reported, over many runs", "[deadlock_detector][stress]") {
  detector_on d("ordered philosophers");
  constexpr int runs = 30;
  constexpr int meals = 20;
  const int n = GENERATE(2, 4);
  long meals_eaten = 0;
  for (int run = 0; run < runs; ++run) {
    // New locks each run, at the addresses of the last run's: the detector
    // must forget destroyed locks, because runs alternate the order of two
    // locks that occupy the same addresses.
    weft::mutex low;
    weft::mutex high;
    weft::mutex& first = run % 2 == 0 ? low : high;
    weft::mutex& second = run % 2 == 0 ? high : low;
    std::vector<std::thread> philosophers;
    std::atomic<long> eaten{0};
    for (int p = 0; p < n; ++p) {
      philosophers.emplace_back([&] {
        for (int meal = 0; meal < meals; ++meal) {
          std::lock_guard hold_first(first);
          std::lock_guard hold_second(second);
          ++eaten;
        }
      });
    }
    for (std::thread& t : philosophers)
      t.join();
    meals_eaten += eaten.load();
  }
  CHECK(meals_eaten == static_cast<long>(runs) * meals * n);
  CHECK(d.reports.total() == 0);
  CHECK(nothing_held_or_awaited());
}

// ---- Snapshots and renderings -------------------------------------------------

TEST_CASE("a snapshot shows held locks, waits and lock-order edges", "[deadlock_detector]") {
  const detector_on d("snapshot");
  weft::mutex a;
  weft::shared_mutex b;
  dd::name_lock(&a, "alpha");
  dd::name_lock(&b, "beta");
  dd::name_this_thread("main");
  const weft::source_location take_a = weft::source_location::current();
  const weft::source_location take_b = weft::source_location::current();
  const weft::source_location want_a = weft::source_location::current();
  REQUIRE(a.try_lock(take_a));  // a try_lock counts as held

  // A timed wait that gives up leaves no wait behind.
  std::atomic<weft::seam::thread_id> worker_id{0};
  bool timed_out = false;
  std::thread([&] {
    timed_out = !a.try_lock_for(1ms);
    worker_id = weft::seam::current_thread_id();
  }).join();
  CHECK(timed_out);
  CHECK_FALSE(detector_sees_waiting(worker_id));

  std::latch worker_holds_b(1);
  std::thread worker([&] {
    dd::name_this_thread("worker");
    worker_id = weft::seam::current_thread_id();
    b.lock_shared(take_b);
    worker_holds_b.count_down();
    a.lock(want_a);  // blocks until main lets go
    a.unlock();
    b.unlock_shared();
  });
  worker_holds_b.wait();
  wait_until([&] { return detector_sees_waiting(worker_id, &a); });

  const dd::graph_snapshot snap = dd::take_snapshot();
  const dd::thread_snapshot* main_thread = nullptr;
  const dd::thread_snapshot* worker_thread = nullptr;
  for (const dd::thread_snapshot& t : snap.threads) {
    if (t.thread.id == weft::seam::current_thread_id()) main_thread = &t;
    if (t.thread.id == worker_id) worker_thread = &t;
  }
  REQUIRE(main_thread != nullptr);
  REQUIRE(worker_thread != nullptr);
  CHECK(main_thread->thread.name == "main");
  REQUIRE(main_thread->held.size() == 1);
  CHECK(main_thread->held[0].lock.name == "alpha");
  CHECK(main_thread->held[0].lock.address == &a);
  CHECK(main_thread->held[0].acquired_at.line() == take_a.line());
  CHECK_FALSE(main_thread->waiting.has_value());
  CHECK(worker_thread->thread.name == "worker");
  REQUIRE(worker_thread->held.size() == 1);
  CHECK(worker_thread->held[0].lock.name == "beta");
  CHECK(worker_thread->held[0].mode == weft::lock_mode::shared);
  REQUIRE(worker_thread->waiting.has_value());
  CHECK(worker_thread->waiting->lock.name == "alpha");
  CHECK(worker_thread->waiting->requested_at.line() == want_a.line());
  CHECK_FALSE(worker_thread->waiting->timed);
  REQUIRE(snap.lock_order.size() == 1);
  CHECK(snap.lock_order[0].held.name == "beta");
  CHECK(snap.lock_order[0].acquired.name == "alpha");
  CHECK(snap.lock_order[0].thread.id == worker_id);

  const std::string text = dd::to_text(snap);
  CHECK(contains(text, "(main): holds alpha (exclusive, at " + site_text(take_a) + ")"));
  CHECK(contains(text, "(worker): holds beta (shared, at " + site_text(take_b) +
                           "); waits for alpha (exclusive, at " + site_text(want_a) + ")"));
  CHECK(contains(text, "beta -> alpha: thread "));
  const nlohmann::json json = nlohmann::json::parse(dd::to_json(snap));
  CHECK(json["threads"].size() == snap.threads.size());
  CHECK(json["lock_order"][0]["held"]["name"] == "beta");
  const std::string dot = dd::to_dot(snap);
  CHECK(dot.rfind("digraph weft_locks {", 0) == 0);
  CHECK(contains(dot, "label=\"alpha\\nweft::mutex\""));
  CHECK(contains(dot, "waits (exclusive)"));

  a.unlock();
  worker.join();
  CHECK(nothing_held_or_awaited());
}

TEST_CASE("reports render as text, JSON and DOT with names and locations", "[deadlock_detector]") {
  dd::options opts = throw_on_deadlock();
  opts.detect_lock_order = false;
  detector_on d("renderings", std::move(opts));
  weft::mutex a;
  weft::mutex b;
  // Names that need escaping in JSON and DOT.
  dd::name_lock(&a, "fork \"0\"");
  dd::name_lock(&b, "fork\\1");
  const weft::source_location take_first = weft::source_location::current();
  const weft::source_location take_second = weft::source_location::current();
  std::latch both_hold(2);
  auto diner = [&](weft::mutex& mine, weft::mutex& other, const char* name) {
    return std::thread([&, name] {
      dd::name_this_thread(name);
      mine.lock(take_first);
      both_hold.arrive_and_wait();
      d.threw([&] {
        other.lock(take_second);
        other.unlock();
      });
      mine.unlock();
    });
  };
  std::thread left = diner(a, b, "left");
  std::thread right = diner(b, a, "right");
  left.join();
  right.join();
  const dd::report r = d.only_thrown();
  REQUIRE(r.wait_cycle.size() == 2);
  const dd::wait_step& closer = r.wait_cycle[0];
  const dd::wait_step& other = r.wait_cycle[1];

  const std::string text = dd::to_text(r);
  const std::string closer_name =
      "thread " + std::to_string(closer.waiter.id) + " (" + closer.waiter.name + ")";
  const std::string other_name =
      "thread " + std::to_string(other.waiter.id) + " (" + other.waiter.name + ")";
  CHECK(text.rfind("deadlock: " + closer_name + " would wait forever (cycle: " + closer_name +
                       " waits for " + closer.lock.name + " held by " + other_name + "; " +
                       other_name + " waits for " + other.lock.name + " held by " + closer_name +
                       "; back to " + closer_name + ")\n",
                   0) == 0);
  CHECK(contains(text, "  " + closer_name + " blocked in weft::mutex::lock on " + closer.lock.name +
                           " (held by " + other_name + ") at " + site_text(take_second) + "; " +
                           other_name + " took it at " + site_text(take_first) + "\n"));

  // JSON: valid, with the names unescaped again and the locations.
  const nlohmann::json json = nlohmann::json::parse(dd::to_json(r));
  CHECK(json["kind"] == "deadlock");
  REQUIRE(json["cycle"].size() == 2);
  for (const auto& step : json["cycle"]) {
    const std::string lock_name = step["lock"]["name"];
    CHECK((lock_name == "fork \"0\"" || lock_name == "fork\\1"));
    CHECK(step["requested_at"]["line"] == take_second.line());
    CHECK(step["held_at"]["line"] == take_first.line());
    CHECK(step["lock"]["type"] == "weft::mutex");
    CHECK(step["requested_mode"] == "exclusive");
  }
  CHECK(json["text"] == text);

  const std::string dot = dd::to_dot(r);
  CHECK(dot.rfind("digraph deadlock {", 0) == 0);
  CHECK(contains(dot, "label=\"fork \\\"0\\\"\\nweft::mutex\""));
  CHECK(contains(dot, "label=\"fork\\\\1\\nweft::mutex\""));
  CHECK(contains(dot, "label=\"thread " + std::to_string(closer.waiter.id) + "\\n" +
                          closer.waiter.name + "\""));
  CHECK(contains(dot, "waits (exclusive)\\n" + site_text(take_second)));
  CHECK(dot.back() == '\n');
}

TEST_CASE("a condition variable's wait releases and retakes its mutex in the detector's view",
          "[deadlock_detector]") {
  const detector_on d("condition variable");
  weft::mutex m;
  weft::condition_variable cv;
  bool ready = false;
  std::unique_lock hold(m);
  std::thread notifier([&] {
    std::lock_guard notifier_holds(m);  // only possible while main is inside wait()
    ready = true;
    cv.notify_one();
  });
  cv.wait(hold, [&] { return ready; });
  std::size_t held_by_me = 0;
  for (const dd::thread_snapshot& t : dd::take_snapshot().threads) {
    if (t.thread.id == weft::seam::current_thread_id()) held_by_me = t.held.size();
  }
  CHECK(held_by_me == 1);
  hold.unlock();
  notifier.join();
  CHECK(nothing_held_or_awaited());
}

// ---- Off, and under the checker -------------------------------------------------

TEST_CASE("a disabled detector records nothing", "[deadlock_detector]") {
  // enable() and disable() called directly: they are what is tested.
  collector c;
  dd::options opts;
  opts.callback = c.callback();  // one collector for both times on
  REQUIRE(dd::enable(opts));
  CHECK(dd::enabled());
  dd::disable();
  CHECK_FALSE(dd::enabled());
  weft::mutex a;
  weft::mutex b;
  nest_on_new_thread(a, b);
  nest_on_new_thread(b, a);
  a.lock();  // held across enable(): unknown to the detector
  CHECK(dd::take_snapshot().threads.empty());
  CHECK(c.total() == 0);

  // Enabled again: the inversion taken while off is not there, and the
  // release of a lock taken while off is ignored.
  const detector_on d("enabled again", opts);
  a.unlock();
  nest_on_new_thread(a, b);
  CHECK(c.total() == 0);
  CHECK(dd::take_snapshot().lock_order.size() == 1);
  CHECK(nothing_held_or_awaited());
}

TEST_CASE("enabling again forgets what running threads held", "[deadlock_detector]") {
  // enable() does not reach into other threads' records: each thread drops
  // what it held under the previous enable() at its next lock operation,
  // and snapshots and searches ignore it until then.
  dd::options opts;
  collector c;
  opts.callback = c.callback();
  REQUIRE(dd::enable(opts));
  weft::mutex old_lock;
  weft::mutex new_lock;
  std::atomic<weft::seam::thread_id> worker_id{0};
  std::latch holds_old(1);
  std::latch re_enabled(1);
  std::latch holds_new(1);
  std::latch done(1);
  auto held_by_worker = [&] {
    std::vector<const void*> locks;
    for (const dd::thread_snapshot& t : dd::take_snapshot().threads) {
      if (t.thread.id != worker_id) continue;
      for (const dd::held_lock_info& h : t.held)
        locks.push_back(h.lock.address);
    }
    return locks;
  };
  std::thread worker([&] {
    worker_id = weft::seam::current_thread_id();
    old_lock.lock();
    holds_old.count_down();
    re_enabled.wait();
    new_lock.lock();  // its first hook since: the record starts afresh
    holds_new.count_down();
    done.wait();
    new_lock.unlock();
    old_lock.unlock();  // taken under the previous enable(): ignored
  });
  holds_old.wait();
  CHECK(held_by_worker() == std::vector<const void*>{&old_lock});
  dd::disable();
  REQUIRE(dd::enable(opts));
  CHECK(held_by_worker().empty());  // before the worker's next hook
  re_enabled.count_down();
  holds_new.wait();
  CHECK(held_by_worker() == std::vector<const void*>{&new_lock});
  // No old_lock -> new_lock edge either: the worker held nothing known.
  CHECK(dd::take_snapshot().lock_order.empty());
  done.count_down();
  worker.join();
  CHECK(nothing_held_or_awaited());
  CHECK(c.total() == 0);
  dd::disable();
}

TEST_CASE("the detector stays out of the checker's way", "[deadlock_detector]") {
  dd::options opts = throw_on_deadlock();
  opts.on_lock_order = dd::reaction::throw_error;
  const detector_on d("under the checker", std::move(opts));
  weft::check_options check;
  check.strategy = weft::strategy_kind::dfs;
  check.executions = 500;
  // The checker finds the deadlock itself; had the detector acted on the
  // model threads (fibers on this OS thread), its exception would have
  // turned the finding into an escaped exception.
  const weft::report r = weft::check(weft::testing::two_locks_deadlock, check);
  CHECK(r.kind == weft::finding_kind::deadlock);
  CHECK(dd::take_snapshot().lock_order.empty());
  CHECK(nothing_held_or_awaited());
}

#else  // !WEFT_DEADLOCK_DETECTOR

TEST_CASE("compiled out, the detector cannot be enabled", "[deadlock_detector]") {
  CHECK_FALSE(dd::enable());
  CHECK_FALSE(dd::enabled());
  weft::mutex a;
  a.lock();
  a.unlock();
  CHECK(dd::take_snapshot().threads.empty());
}

#endif  // WEFT_DEADLOCK_DETECTOR
