// One execution of a test under the checker: the seam::runtime that runs
// every model thread as a fiber on the calling OS thread, turns seam
// operations into scheduling points, models blocking (futex parking, join),
// sends every decision through one branch point to the strategy, and records
// the first finding.
//
// Phases. `running`: the search proper; decisions go to the strategy and
// are recorded, findings are recorded. After the first finding, `draining`:
// the remaining threads run on in a fixed round-robin order (nothing is
// recorded) so that they finish normally wherever they can. Whatever cannot
// finish (blocked, or still running after max_steps more steps) is then
// `unwinding`: each such fiber is resumed with an exception that unwinds its
// stack, and every seam hook becomes a no-op.
//
// Reuse. One execution object runs every execution of a search: run()
// starts from a clean state but keeps what the previous executions
// allocated (model threads with their fibers and stacks, the maps of
// per-object state, the decision and step logs), so that after the first
// few executions a random walk allocates nothing but what the test itself
// does. Tracing is off during a search; the failing execution is re-run,
// traced, by a separate execution.
//
// Concurrency contract: an execution is used on one OS thread only.
#pragma once

#include <array>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "detect/address_map.hpp"
#include "detect/race.hpp"
#include "detect/vector_clock.hpp"
#include "rt/fiber.hpp"
#include "rt/step_log.hpp"
#include "rt/strategy.hpp"
#include "weft/check.hpp"
#include "weft/internal/lock_order_graph.hpp"
#include "weft/internal/wait_for_graph.hpp"
#include "weft/seam/runtime.hpp"

namespace weft::rt {

// No entry in execution::objects_: the object_index of an op_frame or a
// pending_op when none was looked up (implementation grain).
inline constexpr std::size_t no_object = static_cast<std::size_t>(-1);

// A public operation of a primitive that a thread is inside.
struct op_frame {
  seam::object_ref object;
  seam::op_kind kind;
  weft::source_location where;
  std::size_t object_index = no_object;  // in execution::objects_ (scenario grain)
  seam::op_body body = seam::op_body::opaque;
};

enum class thread_state : std::uint8_t { runnable, blocked_futex, blocked_join, finished };

// The operation a thread waits at its scheduling point to perform, when it
// matters for whether the thread is enabled: a scenario-grain lock() of a
// lock another thread holds would block at once, so the thread is not
// offered to the strategy until it can proceed (as loom and CHESS model
// blocking). A join of a running thread is the same, but cheaper to track:
// the joiner waits at its point in state blocked_join (see execution::join).
// Everything else is enabled.
struct pending_op {
  enum class kind : std::uint8_t { none, lock };
  kind what = kind::none;
  seam::object_ref object;
  weft::source_location where;
  std::size_t object_index = no_object;  // in execution::objects_
};

class execution;

// The seam::thread_handle of a model thread. It lives inside its
// model_thread (see model_thread::handle_storage), not on the heap: the seam
// hands it out as a std::unique_ptr<seam::thread_handle>, whose delete runs
// the (virtual) destructor and then this class's operator delete, which
// frees nothing.
class model_handle final : public seam::thread_handle {
 public:
  model_handle(execution& ex, seam::thread_id id) noexcept : ex_(ex), id_(id) {}
  model_handle(const model_handle&) = delete;
  model_handle& operator=(const model_handle&) = delete;
  ~model_handle() override;
  // Only ever constructed by placement new in a model_thread's storage.
  static void* operator new(std::size_t) = delete;
  // NOLINTNEXTLINE(misc-new-delete-overloads): the allocating new is deleted on purpose
  static void operator delete(void* /*storage*/) noexcept {}
  void join(weft::source_location where) override;
  void detach(weft::source_location where) override;
  [[nodiscard]] seam::thread_id id() const noexcept override { return id_; }

 private:
  execution& ex_;
  seam::thread_id id_;
};

// A model thread. Kept by the execution across executions (one per thread
// slot) and reset when its slot is used again, so that its fiber, stack and
// vectors are reused.
struct model_thread {
  // Back to the state of a thread not yet run; keeps the storage.
  void reset(execution* ex, seam::thread_id thread_id);

  // Largest alignment first (the analyzer's padding check).
  seam::thread_body body;  // empty for the main thread: it runs the test
  execution* owner = nullptr;
  std::unique_ptr<fiber> fib;  // created when the slot's first thread first runs
  const void* futex_word = nullptr;
  weft::source_location join_where;                         // while blocked_join
  std::optional<seam::time_point> deadline;                 // of a timed futex wait
  std::vector<op_frame> ops;                                // innermost last
  std::vector<internal::lock_order_graph::held_lock> held;  // locks it holds now
  std::vector<std::string_view> held_types;                 // their types, index for index
  std::vector<std::uint32_t> incoming;  // happens-before edges into its next step
  alignas(model_handle) std::array<std::byte, sizeof(model_handle)> handle_storage{};
  pending_op pending;
  vector_clock clock;  // happens-before, for the race detector
  seam::thread_id id = 0;
  seam::thread_id join_target = 0;    // while blocked_join
  std::uint32_t opaque_ops = 0;       // of `ops`, opaque ones (see execution::hidden)
  std::uint32_t last_step = 0;        // its latest step in the step log
  std::uint32_t deferred_points = 0;  // points passed since, while unwinding
  bool ran = false;                   // its fiber was armed for this execution
  thread_state state = thread_state::runnable;
  seam::wait_result wake_result = seam::wait_result::woken;
  bool started = false;         // reached its first scheduling point
  bool spurious_last = false;   // its last futex wait returned spuriously
  bool handle_alive = false;    // a weft::thread still owns it, unjoined
  bool unwind_pending = false;  // throw the unwinding exception when resumed
  bool unwinding = false;       // it has been thrown
  // Unwinding at its current point must wait (see execution::defer_unwind)
  bool defers_unwind = false;
  bool unwind_deferred = false;  // resumed without the exception: throw it later
};

struct finding {
  finding_kind kind = finding_kind::none;
  std::string message;
  std::vector<std::string> details;
};

enum class phase : std::uint8_t { running, draining, unwinding };

class execution final : public seam::runtime {
 public:
  execution(check_options options, strategy& strat, stack_pool& stacks, bool tracing);
  execution(const execution&) = delete;
  execution& operator=(const execution&) = delete;
  ~execution() override;

  // Runs `test` as the main thread (id 1) until every thread has finished.
  // May be called again for the next execution: each run starts afresh.
  void run(const std::function<void()>& test);

  [[nodiscard]] const std::optional<finding>& failure() const noexcept { return failure_; }
  [[nodiscard]] const std::vector<std::uint32_t>& decisions() const noexcept { return decisions_; }
  [[nodiscard]] std::vector<trace_step>& trace() noexcept { return trace_; }
  [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }
  // The strategy cut this execution short (it could only repeat explored
  // ones); it is neither a pass nor a failure.
  [[nodiscard]] bool abandoned() const noexcept { return abandoned_; }
  // A lock-order inversion seen (lock_order_policy::warn): its line, and a
  // key that is the same for the same locks taken at the same places
  // whichever threads took them and whichever edge closed the cycle (so
  // that a search reports it once, not once per thread permutation).
  struct warning {
    std::string text;
    std::string key;
  };
  [[nodiscard]] const std::vector<warning>& warnings() const noexcept { return warnings_; }

  // The execution running on this OS thread, if any.
  static execution* current() noexcept;
  void assertion_failed(const char* expression, weft::source_location where);

  // seam::runtime
  bool atomic_access(const void* address, seam::atomic_op op, std::memory_order order,
                     weft::source_location where, seam::value_formatter format) override;
  void atomic_performed(const void* address) override;
  seam::wait_result futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                               std::optional<seam::time_point> deadline) override;
  void futex_wake(const std::atomic<std::uint32_t>& word, int count) override;
  void yield() override;
  seam::thread_id current_thread() noexcept override { return current_; }
  std::unique_ptr<seam::thread_handle> spawn(seam::thread_body body) override;
  seam::time_point now() override { return clock_; }
  void plain_access(const void* address, bool is_write, weft::source_location where) override;
  void op_begin(const seam::object_ref& object, seam::op_kind kind, seam::op_body body,
                weft::source_location where) override;
  void op_end(const seam::object_ref& object, seam::op_kind kind, bool succeeded) override;
  void misuse(const seam::misuse_report& report) override;
  void lock_taken(model_thread& t, const seam::object_ref& object, seam::op_kind kind,
                  weft::source_location where);
  // lock_taken of a lock() while holding others: the lock-order graph.
  [[gnu::noinline]] void lock_nested(model_thread& t, const seam::object_ref& object,
                                     weft::source_location where);
  static void lock_released(model_thread& t, const void* lock);

  // For model thread handles.
  void join(seam::thread_id target, weft::source_location where);
  void detach(seam::thread_id target, weft::source_location where);
  void drop_handle(seam::thread_id target);

 private:
  static void fiber_entry(void* arg);
  void reset();
  model_thread& new_thread();  // the next slot, reset, as thread count + 1
  model_thread& thread(seam::thread_id id) { return *threads_[id - 1]; }
  // The current thread: kept by set_current, the only writer of current_,
  // since nearly every hook asks for it.
  model_thread& self() {
    assert(me_ != nullptr && "a model thread is running");
    return *me_;
  }
  void set_current(seam::thread_id id) noexcept {
    current_ = id;
    me_ = id == 0 ? nullptr : threads_[id - 1].get();
  }
  // The threads of this execution (threads_ holds more slots, kept for reuse).
  [[nodiscard]] std::span<const std::unique_ptr<model_thread>> threads() const noexcept {
    return {threads_.data(), thread_count_};
  }
  [[nodiscard]] bool running() const noexcept { return phase_ == phase::running; }
  // Whether `t`'s seam operations are hidden inside one step: at scenario
  // grain, inside an opaque operation of a primitive. Everywhere else (at
  // implementation grain, outside any operation, inside only transparent
  // ones) its atomics, futex waits and yields are scheduling points.
  [[nodiscard]] bool hidden(const model_thread& t) const noexcept {
    return t.opaque_ops != 0 && options_.grain == grain::scenario;
  }
  // Whether trace lines are recorded now: callers test it before building a
  // line's strings, so that an untraced search builds none.
  [[nodiscard]] bool tracing() const noexcept { return tracing_ && running(); }
  void unpark(seam::thread_id id);

  // Readies its fiber for its first run in this execution (inline: every
  // switch asks; arm_fiber does the work, once per thread).
  void arm(model_thread& t) {
    if (!t.ran) arm_fiber(t);
  }
  [[gnu::noinline]] void arm_fiber(model_thread& t);
  // A scheduling point of the current thread. Always inline, as is
  // switch_to_scheduler: the hooks that reach a point switch fibers there,
  // and each call level left between a hook and the switch costs a
  // mispredicted return when the thread resumes (see fiber.hpp).
  [[gnu::always_inline]] void schedule();
  [[gnu::noinline]] void exceeded_max_steps();  // schedule()'s finding, out of line
  void block();                                 // the current thread is not runnable: switch away
  [[gnu::always_inline]] void switch_to_scheduler();
  // Unwinding an early-ended execution (see unwind_all and the .cpp).
  [[nodiscard]] static bool may_throw_unwind(const model_thread& t) noexcept;
  [[noreturn]] static void throw_unwind();
  void unwind_point(bool defers);
  seam::thread_id choose();  // the next thread, 0 if none can run
  // The next thread, or the first new thread still to reach its first
  // point (see spawn): then that thread, or the last of them, makes this
  // decision (started_next), as the thread that hands over to it.
  seam::thread_id next_thread();
  [[gnu::noinline]] seam::thread_id delegate_choice();
  // A new thread reached its first point (or ended before it): the next new
  // thread to start, else the decision left to it, else 0.
  [[gnu::noinline]] seam::thread_id started_next();
  // choose()'s decision among two or more candidates (or one, if the
  // strategy wants every point), checked against them.
  seam::thread_id ask_strategy(std::span<const seam::thread_id> candidates, bool yielded);
  // choose()'s rare cases, out of line: no candidate (a timed wait ends, or
  // none can run), or a decision the strategy makes itself.
  using thread_mask = std::uint64_t;
  [[gnu::noinline]] seam::thread_id choose_rare(thread_mask candidates, bool yielded);
  // A random pick recorded when the decision log must grow.
  [[gnu::noinline]] seam::thread_id record_growing(seam::thread_id chosen);
  // The chosen thread's step begins (returns `chosen`): a timed waiter
  // times out, and while logging the edges into the step are recorded
  // (begin_step_rare, out of line).
  seam::thread_id begin_step(seam::thread_id chosen);
  [[gnu::noinline]] seam::thread_id begin_step_rare(seam::thread_id chosen);
  // The only writers of model_thread::state and ::pending, and of
  // object_state::owner, once a thread has started (model_thread::reset
  // starts them empty): they keep the thread masks below in step (a timed
  // wait sets its deadline before its state).
  void set_state(model_thread& t, thread_state state) noexcept;
  void set_pending(model_thread& t, const pending_op& pending) noexcept;
  void clear_pending(model_thread& t) noexcept;
  struct object_state;
  void set_owner(object_state& object, seam::thread_id owner) noexcept;
  void close_step();
  void record_access(const void* address, bool is_write) {
    if (logging_ && running())
      log_.add_access(address, is_write ? access_kind::write : access_kind::read);
  }
  // A choice other than the next thread (a spurious wake-up): one of
  // `alternatives`, from the strategy, recorded for the token.
  std::uint32_t branch(std::uint32_t alternatives);
  void diverged(const std::string& why);
  void time_out(model_thread& t);
  // Returns whether it decided the next thread (next_) already.
  bool finish(model_thread& t);
  void unwind_all();
  void report_deadlock();
  void note_where_taken(internal::blocked_thread& b, const void* lock);
  void check_end();
  void fail(finding_kind kind, std::string message, std::vector<std::string> details = {});

  void trace(std::string operation, std::string object, std::string detail,
             weft::source_location where);
  // Trace lines built out of line, so that the hot paths that may trace
  // carry no string code: an event of a thread (spawn, join, finish), a
  // primitive's operation, a weft::shared access.
  [[gnu::noinline]] void trace_thread(std::string_view operation, seam::thread_id thread,
                                      weft::source_location where);
  [[gnu::noinline]] void trace_op(const seam::object_ref& object, seam::op_kind kind,
                                  std::string_view detail, weft::source_location where);
  [[gnu::noinline]] void trace_access(const void* address, bool is_write,
                                      weft::source_location where);
  std::string name_of(const void* address, std::string_view type);
  static std::string thread_name(seam::thread_id id);

  // Happens-before edges (see "Data races" in docs/architecture.md).
  void acquire(const vector_clock& from) { self().clock.join(from); }
  void release(vector_clock& to) {
    to.join(self().clock);
    self().clock.increment(current_);
  }
  void synchronize(const void* address, seam::atomic_op op, std::memory_order order);
  // An atomic access that is a step of its own (atomic_access's slow path).
  [[gnu::noinline]] bool atomic_step(const void* address, seam::atomic_op op,
                                     std::memory_order order, weft::source_location where,
                                     seam::value_formatter format);
  // A data race found by races_ on a weft::shared access: the finding.
  [[gnu::noinline]] void report_race(const void* address, bool is_write,
                                     weft::source_location where, const access& conflicting);
  // The trace line of an atomic access (only while tracing). True when the
  // line waits for the value the access leaves (see unsettled_).
  [[gnu::noinline]] bool trace_atomic(const void* address, seam::atomic_op op,
                                      std::memory_order order, weft::source_location where,
                                      seam::value_formatter format);

  check_options options_;
  strategy& strategy_;
  stack_pool& stacks_;
  bool tracing_;
  execution* previous_execution_ = nullptr;
  seam::runtime* previous_runtime_ = nullptr;

  const std::function<void()>* test_ = nullptr;
  std::vector<std::unique_ptr<model_thread>> threads_;  // slots, reused
  std::size_t thread_count_ = 0;                        // in this execution
  seam::thread_id current_ = 0;
  model_thread* me_ = nullptr;  // thread(current_), or none
  seam::thread_id next_ = 0;
  phase phase_ = phase::running;
  std::uint64_t steps_ = 0;
  std::uint64_t drain_steps_ = 0;
  bool abandoned_ = false;
  bool yielding_ = false;        // the current thread reached its point by yielding
  seam::thread_id yielder_ = 0;  // the last thread that yielded, until another steps
  bool step_open_ = false;       // a thread has run since the last choice
  bool stuck_ = false;           // the last choice found no thread to run
  // New threads that have not yet reached their first scheduling point
  // (see spawn), one bit each; and the decision they make for the thread
  // that handed over to them (see next_thread).
  thread_mask unstarted_ = 0;
  seam::thread_id chooser_ = 0;  // 0: no decision left to them
  bool chooser_yielded_ = false;
  bool logging_ = false;           // the strategy wants the step log
  bool forced_points_ = true;      // the strategy wants points with one candidate
  bool may_diverge_ = true;        // the strategy's picks need checking
  xoshiro256* uniform_ = nullptr;  // the strategy's uniform_generator()
  step_log log_;
  // The threads of this execution by state, one bit per thread (bit id - 1),
  // kept up to date as threads change state (set_state, set_pending), so
  // that choose() finds the candidates in a few mask operations instead of a
  // pass over every thread: `runnable_` (state runnable), `lock_blocked_`
  // (a pending lock() of a lock another thread holds: not enabled), `timed_`
  // (blocked in a futex wait with a deadline), `joining_` (state
  // blocked_join: finish() looks for its joiners among them). Threads
  // started while unwinding, beyond max_threads, never run and have no bit.
  static_assert(max_threads <= 64, "a thread_mask holds one bit per thread");
  static thread_mask bit(seam::thread_id id) noexcept {
    return id >= 1 && id <= max_threads ? thread_mask{1} << (id - 1U) : 0;
  }
  // The lowest-numbered thread of a non-empty mask.
  static seam::thread_id first(thread_mask threads) noexcept {
    return static_cast<seam::thread_id>(std::countr_zero(threads) + 1);
  }
  thread_mask runnable_ = 0;
  thread_mask joining_ = 0;
  thread_mask lock_blocked_ = 0;
  thread_mask timed_ = 0;
  std::array<seam::thread_id, max_threads> candidates_{};  // for ask_strategy
  seam::time_point clock_;

  // Parked threads, in arrival order (Linux wakes each futex word's
  // waiters FIFO). A thread parks on one word at a time, so this holds at
  // most one entry per thread.
  struct parked_thread {
    const void* word = nullptr;
    seam::thread_id thread = 0;
  };
  std::vector<parked_thread> parked_;

  // Per primitive object, in one map so that an operation finds its object
  // once (op_begin keeps the index for op_end and for a pending lock()).
  struct object_state {
    // Scenario grain: what the object's operations published (happens-
    // before, for the race detector).
    vector_clock clock;
    // Lock-like objects: the holder from completed lock operations (the
    // owners in a deadlock's wait-for graph); 0 once released.
    seam::thread_id owner = 0;
    // The threads whose pending lock() is of this object (see pending_op),
    // so that a change of owner updates lock_blocked_ in a mask operation.
    thread_mask waiters = 0;
    void clear() noexcept {
      clock.clear();
      owner = 0;
      waiters = 0;
    }
  };
  address_map<object_state> objects_;

  // The race detector's state, and a clock per atomic address (what its
  // release stores published).
  race_detector races_;
  address_map<vector_clock> atomic_clocks_;

  // Tracing: the atomic write whose trace line still lacks the value it
  // left, read in atomic_performed(), right after the access.
  struct unsettled_value {
    std::size_t line = 0;
    const void* address = nullptr;
    seam::value_formatter format = nullptr;
    seam::atomic_op op = seam::atomic_op::load;
    std::string before;
  };
  std::optional<unsettled_value> unsettled_;
  void settle_value();

  // Potential deadlocks: the order in which each thread nests locks.
  internal::lock_order_graph lock_order_;
  bool lock_order_used_ = false;  // since the last reset: it has something to clear
  address_map<std::string_view> lock_types_;
  std::vector<warning> warnings_;

  std::optional<finding> failure_;
  std::vector<std::uint32_t> decisions_;
  std::vector<trace_step> trace_;
  std::unordered_map<const void*, std::string> names_;
  std::map<std::string, unsigned, std::less<>> name_counts_;
};

}  // namespace weft::rt
