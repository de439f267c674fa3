#include "rt/execution.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <exception>
#include <new>
#include <utility>

#include "detect/deadlock.hpp"
#include "rt/sanitizers.hpp"

namespace weft::rt {

namespace {

// Thrown into a fiber to unwind it at teardown, and out of a failed
// WEFT_ASSERT to stop its thread. Not std::exceptions, so that a test's
// `catch (const std::exception&)` lets them through.
struct fiber_unwind {};
struct assertion_abort {};

thread_local execution* t_current = nullptr;

// The virtual clock starts at an arbitrary fixed point, so that every
// execution sees the same times.
constexpr seam::time_point clock_start{std::chrono::hours(1)};

// Operations that typically run in a destructor (releasing or tearing
// down something): the unwinding exception is never thrown inside them,
// since in a destructor (noexcept) it would call std::terminate.
bool defers_unwinding(seam::op_kind kind) noexcept {
  switch (kind) {
    case seam::op_kind::unlock:
    case seam::op_kind::unlock_shared:
    case seam::op_kind::release:
    case seam::op_kind::count_down:
    case seam::op_kind::notify_one:
    case seam::op_kind::notify_all:
    case seam::op_kind::destroy:
    case seam::op_kind::shutdown:
      return true;
    default:
      return false;
  }
}

// A thread whose unwinding was deferred runs on, unscheduled, for this many
// points, to finish normally if it can; then it unwinds at its next point
// that may throw, and past twice as many it is abandoned (see unwind_point).
constexpr std::uint32_t free_run_points = 10'000;

// Whether an opaque operation publishes the thread's clock into its
// object's when it begins (see op_begin). A lock's operations do not: the
// clock join when they end orders them, and a lock orders an unlock before
// the next lock, not what a thread did before a lock() that waits inside (a
// reader blocked on a shared_mutex) before the unlock that lets it in.
bool publishes_on_entry(seam::op_kind kind) noexcept {
  switch (kind) {
    case seam::op_kind::lock:
    case seam::op_kind::try_lock:
    case seam::op_kind::unlock:
    case seam::op_kind::lock_shared:
    case seam::op_kind::try_lock_shared:
    case seam::op_kind::unlock_shared:
      return false;
    default:
      return true;
  }
}

bool is_lock_kind(seam::op_kind kind) noexcept {
  return kind == seam::op_kind::lock || kind == seam::op_kind::try_lock;
}

std::string_view short_type(std::string_view type) noexcept {
  if (type.rfind("weft::", 0) == 0) type.remove_prefix(6);
  return type;
}

std::string_view order_name(std::memory_order order) noexcept {
  switch (order) {
    case std::memory_order_relaxed:
      return "relaxed";
    case std::memory_order_consume:
      return "consume";
    case std::memory_order_acquire:
      return "acquire";
    case std::memory_order_release:
      return "release";
    case std::memory_order_acq_rel:
      return "acq_rel";
    case std::memory_order_seq_cst:
      return "seq_cst";
  }
  return "?";
}

}  // namespace

model_handle::~model_handle() {
  ex_.drop_handle(id_);
}

void model_handle::join(weft::source_location where) {
  ex_.join(id_, where);
}

void model_handle::detach(weft::source_location where) {
  ex_.detach(id_, where);
}

void model_thread::reset(execution* ex, seam::thread_id thread_id) {
  owner = ex;
  id = thread_id;
  body = nullptr;
  ran = false;
  state = thread_state::runnable;
  futex_word = nullptr;
  deadline.reset();
  wake_result = seam::wait_result::woken;
  join_target = 0;
  join_where = {};
  ops.clear();
  opaque_ops = 0;
  pending = {};
  held.clear();
  held_types.clear();
  started = false;
  spurious_last = false;
  incoming.clear();
  last_step = 0;
  handle_alive = false;
  unwind_pending = false;
  unwinding = false;
  defers_unwind = false;
  unwind_deferred = false;
  deferred_points = 0;
  clock.clear();
}

execution::execution(check_options options, strategy& strat, stack_pool& stacks, bool tracing)
    : options_(std::move(options)),
      strategy_(strat),
      stacks_(stacks),
      tracing_(tracing),
      clock_(clock_start) {}

execution::~execution() = default;

execution* execution::current() noexcept {
  return t_current;
}

void execution::reset() {
  thread_count_ = 0;
  set_current(0);
  next_ = 0;
  phase_ = phase::running;
  steps_ = 0;
  drain_steps_ = 0;
  abandoned_ = false;
  yielding_ = false;
  yielder_ = 0;
  step_open_ = false;
  stuck_ = false;
  unstarted_ = 0;
  chooser_ = 0;
  chooser_yielded_ = false;
  runnable_ = 0;
  joining_ = 0;
  lock_blocked_ = 0;
  timed_ = 0;
  log_.clear();
  clock_ = clock_start;
  parked_.clear();
  objects_.clear();
  races_.reset();
  atomic_clocks_.clear();
  unsettled_.reset();
  if (lock_order_used_) {
    lock_order_.clear();
    lock_order_used_ = false;
  }
  lock_types_.clear();
  warnings_.clear();
  failure_.reset();
  decisions_.clear();
  trace_.clear();
  if (!names_.empty()) {
    names_.clear();
    name_counts_.clear();
  }
}

model_thread& execution::new_thread() {
  if (thread_count_ == threads_.size()) threads_.push_back(std::make_unique<model_thread>());
  model_thread& t = *threads_[thread_count_];
  ++thread_count_;
  t.reset(this, static_cast<seam::thread_id>(thread_count_));
  runnable_ |= bit(t.id);
  return t;
}

void execution::run(const std::function<void()>& test) {
  reset();
  test_ = &test;
  logging_ = strategy_.wants_steps();
  forced_points_ = strategy_.wants_forced_points();
  may_diverge_ = strategy_.may_diverge();
  uniform_ = strategy_.uniform_generator();
  previous_execution_ = std::exchange(t_current, this);
  // A search keeps this execution installed between executions
  // (kept_installed in check.cpp): then there is nothing to install.
  const bool reinstall = seam::active() != this;
  if (reinstall) previous_runtime_ = seam::install(this);

  model_thread& main = new_thread();
  main.clock.set(1, 1);
  next_ = 1;

  for (;;) {
    if (phase_ == phase::unwinding) {
      unwind_all();
      break;
    }
    // A fiber that found no thread to run came back here: asking again
    // would find none again.
    if (next_ == 0 && !std::exchange(stuck_, false)) next_ = next_thread();
    if (next_ == 0) {
      const auto live = threads();
      const bool all_done = std::all_of(live.begin(), live.end(), [](const auto& t) {
        return t->state == thread_state::finished;
      });
      if (all_done) break;
      if (running()) report_deadlock();
      phase_ = phase::unwinding;
      continue;
    }
    set_current(std::exchange(next_, 0));
    model_thread& t = self();
    arm(t);
    t.fib->resume();
  }
  check_end();

  if (reinstall) seam::install(previous_runtime_);
  t_current = previous_execution_;
  // What abandoned threads captured dies now, natively (finished threads'
  // bodies died on the thread): with no runtime installed, also when the
  // search keeps this execution installed between executions
  // (kept_installed in check.cpp), for a destructor may use the seam.
  const auto live = threads();
  if (std::any_of(live.begin(), live.end(), [](const auto& t) { return bool(t->body); })) {
    seam::runtime* const kept = seam::install(nullptr);
    for (const auto& t : live)
      t->body = nullptr;
    seam::install(kept);
  }
  test_ = nullptr;
}

void execution::arm_fiber(model_thread& t) {
  // The slot's fiber (and stack) from an earlier execution, re-armed.
  if (t.fib) {
    t.fib->rearm();
  } else {
    t.fib = std::make_unique<fiber>(stacks_, &execution::fiber_entry, &t);
  }
  t.ran = true;
}

void execution::fiber_entry(void* arg) {
  model_thread& t = *static_cast<model_thread*>(arg);
  execution& ex = *t.owner;
  try {
    if (t.id == 1) {
      (*ex.test_)();
    } else {
      t.body();
    }
  } catch (const fiber_unwind&) {
  } catch (const assertion_abort&) {
  } catch (const std::exception& e) {
    ex.fail(finding_kind::exception,
            "exception escaped thread " + std::to_string(t.id) + ": " + e.what());
  } catch (...) {
    ex.fail(finding_kind::exception,
            "exception of a non-std type escaped thread " + std::to_string(t.id));
  }
  try {
    t.body = nullptr;  // the captures die on the thread, like a real thread's
  } catch (...) {
  }
  const bool decided = ex.finish(t);
  // Straight to the next thread when it is known here, as block() does;
  // otherwise (every thread done, a deadlock, unwinding) back to run().
  if (ex.phase_ == phase::unwinding) return;
  if (!decided) ex.next_ = ex.next_thread();
  if (ex.next_ == 0 || ex.next_ == t.id) return;
  ex.set_current(std::exchange(ex.next_, 0));
  model_thread& next = ex.self();
  ex.arm(next);
  t.fib->finish_to(*next.fib);
}

bool execution::finish(model_thread& t) {
  set_state(t, thread_state::finished);
  if (tracing()) trace_thread("finish", t.id, {});
  for (thread_mask j = joining_; j != 0; j &= j - 1) {
    model_thread& other = *threads_[static_cast<std::size_t>(std::countr_zero(j))];
    if (other.join_target == t.id) set_state(other, thread_state::runnable);
  }
  // A new thread that ends before its first scheduling point ends inside
  // its parent's step, where its end stands for that point (see spawn).
  const bool first_point = !t.started;
  t.started = true;
  next_ = 0;
  if (!first_point || phase_ == phase::unwinding) return false;
  unstarted_ &= ~bit(t.id);
  next_ = started_next();
  return true;
}

void execution::unwind_all() {
  // Each unfinished fiber is resumed once with the unwinding exception.
  // Unwinding runs destructors, which may block for real (a condition
  // variable's destructor waits for its waiters to leave) and be woken by
  // another thread's unwinding; so this loops until no fiber moves.
  for (bool progress = true; progress;) {
    progress = false;
    // Newest first: a thread's captures live on the stack of the thread that
    // started it, which must not unwind (destroying them) before it. By
    // index: a destructor run while unwinding may start a thread, which
    // appends to threads_ and would invalidate an iterator.
    for (std::size_t i = thread_count_; i-- > 0;) {
      model_thread& t = *threads_[i];
      if (t.state == thread_state::finished) continue;
      if (!t.ran) {
        set_state(t, thread_state::finished);
        progress = true;
        continue;
      }
      if (!t.unwinding) {
        if (t.state == thread_state::blocked_futex) unpark(t.id);
        set_state(t, thread_state::runnable);
        t.unwinding = true;
        t.unwind_pending = true;
      } else if (t.state != thread_state::runnable) {
        continue;
      }
      set_current(t.id);
      t.fib->resume();
      progress = true;
    }
  }
  // Whatever is still blocked waits, while unwinding, for something that
  // can no longer happen: abandon it (its fiber is re-armed for the next
  // execution, objects it owned on the heap leak).
  for (const auto& t : threads())
    set_state(*t, thread_state::finished);
}

void execution::check_end() {
  if (strategy_.remaining() != 0 && !(failure_ && failure_->kind == finding_kind::replay_error)) {
    // Whatever else happened, the token did not describe this execution.
    std::string message = "schedule diverged at step " + std::to_string(steps_) +
                          ": the execution ended but the token holds " +
                          std::to_string(strategy_.remaining()) +
                          " more decisions (a token of another test, other options, or a "
                          "nondeterministic test)";
    if (failure_) message += "; the execution failed first with: " + failure_->message;
    failure_ = finding{finding_kind::replay_error, std::move(message), {}};
    return;
  }
  if (!running()) return;
  for (const auto& t : threads()) {
    if (t->handle_alive) {
      fail(finding_kind::unjoined_thread,
           "thread " + std::to_string(t->id) +
               " was neither joined nor detached when the test ended");
      return;
    }
  }
}

// --- Scheduling -----------------------------------------------------------

inline void execution::set_state(model_thread& t, thread_state state) noexcept {
  t.state = state;
  const thread_mask b = bit(t.id);
  runnable_ = state == thread_state::runnable ? runnable_ | b : runnable_ & ~b;
  joining_ = state == thread_state::blocked_join ? joining_ | b : joining_ & ~b;
  timed_ = state == thread_state::blocked_futex && t.deadline ? timed_ | b : timed_ & ~b;
}

// A pending lock() (the only pending operation) joins its object's
// waiters, and is blocked while another thread owns the object (relocking
// one's own lock is let through, to be reported as misuse).
inline void execution::set_pending(model_thread& t, const pending_op& pending) noexcept {
  t.pending = pending;
  const thread_mask b = bit(t.id);
  object_state& object = objects_.at_index(pending.object_index);
  object.waiters |= b;
  if (object.owner != 0 && object.owner != t.id) lock_blocked_ |= b;
}

inline void execution::clear_pending(model_thread& t) noexcept {
  if (t.pending.what == pending_op::kind::none) return;
  const thread_mask b = bit(t.id);
  objects_.at_index(t.pending.object_index).waiters &= ~b;
  lock_blocked_ &= ~b;
  t.pending = {};
}

// The new owner is running (op_end), so never pending: clearing its bit
// from the whole mask, not only from this object's waiters, is exact.
inline void execution::set_owner(object_state& object, seam::thread_id owner) noexcept {
  object.owner = owner;
  lock_blocked_ =
      owner == 0 ? lock_blocked_ & ~object.waiters : (lock_blocked_ | object.waiters) & ~bit(owner);
}

inline void execution::schedule() {
  if (phase_ == phase::unwinding) return;
  model_thread& me = self();
  if (!me.started) {
    me.started = true;
    yielding_ = false;
    // A spawned thread's start runs inside its parent's step (see spawn):
    // at its first point it hands over to the next new thread, or makes
    // the decision its parent left to it.
    if (me.id != 1) {
      unstarted_ &= ~bit(me.id);
      const seam::thread_id next = started_next();
      if (next != current_) {
        next_ = next;
        switch_to_scheduler();
      }
      return;
    }
    // The main thread's start is the first step. It is a step of the log
    // like any other, so that a thread it spawns has a step to come after
    // (the spawn edge names the step in progress).
    if (me.state == thread_state::runnable && (lock_blocked_ & bit(me.id)) == 0) {
      step_open_ = true;
      return;
    }
  }
  if (running()) {
    if (++steps_ > options_.max_steps) [[unlikely]]
      exceeded_max_steps();
  } else if (++drain_steps_ > options_.max_steps) {
    phase_ = phase::unwinding;
    next_ = 0;
    switch_to_scheduler();
    return;
  }
  const seam::thread_id next = next_thread();
  if (next != current_) {
    next_ = next;
    switch_to_scheduler();
  }
}

// New threads not yet at their first point run to it first (see spawn):
// the decision waits for them.
inline seam::thread_id execution::next_thread() {
  if (unstarted_ != 0) [[unlikely]]
    return delegate_choice();
  return choose();
}

seam::thread_id execution::delegate_choice() {
  chooser_ = current_;
  chooser_yielded_ = std::exchange(yielding_, false);
  return first(unstarted_);
}

seam::thread_id execution::started_next() {
  if (unstarted_ != 0) return first(unstarted_);
  if (chooser_ == 0) return 0;
  // Every new thread is at its first point: the decision of the thread
  // that handed over, made as that thread.
  const seam::thread_id self_id = current_;
  set_current(std::exchange(chooser_, 0));
  yielding_ = std::exchange(chooser_yielded_, false);
  const seam::thread_id chosen = choose();
  set_current(self_id);
  return chosen;
}

void execution::exceeded_max_steps() {
  fail(finding_kind::max_steps,
       "the execution exceeded max_steps (" + std::to_string(options_.max_steps) +
           " scheduling points) without terminating: likely a livelock, a spin loop or a "
           "retry loop that makes no progress (raise check_options::max_steps if the test "
           "is merely long)");
}

void execution::block() {
  // The next thread is chosen here, so that the switch goes straight to it
  // (the scheduler loop in run() chooses the same way; while unwinding it
  // drives the fibers itself).
  next_ = phase_ == phase::unwinding ? 0 : next_thread();
  switch_to_scheduler();
  // The step that resumes here continues the blocked operation: inside an
  // opaque operation at scenario grain it acts on the operation's object
  // (takes the lock, the permit, ...), elsewhere it returns from the futex
  // wait.
  model_thread& me = self();
  if (hidden(me)) {
    record_access(me.ops.back().object.address, true);
  } else if (me.futex_word != nullptr) {
    record_access(me.futex_word, true);
  }
}

inline void execution::switch_to_scheduler() {
  model_thread& me = self();
  if (next_ != 0 && next_ != me.id && phase_ != phase::unwinding) {
    // The next thread is known: hand over to it directly, as the scheduler
    // loop in run() would after a round trip.
    set_current(std::exchange(next_, 0));
    model_thread& next = self();
    arm(next);
    me.fib->switch_to(*next.fib);
  } else {
    me.fib->suspend();
  }
  if (me.unwind_pending) {
    me.unwind_pending = false;
    if (!may_throw_unwind(me)) {
      // Stopped where a destructor may be running (an unlock, an atomic
      // store, a join, ...): the operation completes, the thread runs on,
      // and unwinds at its next point that may throw (unwind_point).
      me.unwind_deferred = true;
      return;
    }
    throw_unwind();
  }
}

// Unwinding throws an exception through a stopped thread's stack, from the
// scheduling point where it stopped. A destructor is noexcept, so the
// exception must not start inside one: a point reached from a destructor
// is likely a release (an unlock, a notify, an atomic store or
// read-modify-write, a plain write, a join), and at such a point, or inside
// such an operation, the throw is deferred (defers_unwind,
// defers_unwinding): the thread runs on, unscheduled and with real
// blocking, and most often simply finishes (it was leaving a scope, or
// joining a thread that unwinds first). Only a thread that keeps running
// (a livelock's loop) is then unwound, at a point that may throw: an
// acquiring operation, an atomic load, a plain read, a yield, a spawn,
// outside any releasing operation. That point is in the loop, rarely in a
// destructor.
bool execution::may_throw_unwind(const model_thread& t) noexcept {
  if (t.defers_unwind) return false;
  return std::none_of(t.ops.begin(), t.ops.end(),
                      [](const op_frame& f) { return defers_unwinding(f.kind); });
}

void execution::throw_unwind() {
  // If this fiber is abandoned while unwinding (see unwind_all), the
  // exception object is never freed: a known, bounded leak, not the test's.
  // The guard dies during the unwinding, just after the allocation.
  const leak_check_off guard;
  throw fiber_unwind{};
}

// While unwinding: a point of the current thread (see above).
void execution::unwind_point(bool defers) {
  model_thread& me = self();
  if (!me.unwind_deferred) return;
  ++me.deferred_points;
  if (me.deferred_points <= free_run_points) return;
  me.defers_unwind = defers;
  if (may_throw_unwind(me)) {
    me.unwind_deferred = false;
    throw_unwind();
  }
  if (me.deferred_points <= 2 * free_run_points) return;
  // A loop of releases only: abandoned where it is, never resumed (objects
  // it owns on the heap leak), so that unwinding always ends.
  me.unwind_deferred = false;
  set_state(me, thread_state::finished);
  me.fib->suspend();
}

void execution::close_step() {
  step_open_ = false;
  if (!logging_ || !running()) return;
  self().last_step = log_.close(current_);
  strategy_.step_closed(log_);
}

void execution::settle_value() {
  if (!unsettled_) return;
  const unsettled_value& u = *unsettled_;
  const std::string now = u.format(u.address);
  std::string& detail = trace_[u.line].detail;
  switch (u.op) {
    case seam::atomic_op::store:
      detail += ", wrote " + now;
      break;
    default:
      detail += ", " + u.before + (now == u.before ? " unchanged" : " -> " + now);
      break;
  }
  unsettled_.reset();
}

// choose() and its helpers are arranged so that the common paths make no
// call but in tail position: then choose() needs no registers saved, which
// at a dozen calls an execution is a measurable part of a short one.
seam::thread_id execution::choose() {
  assert(unstarted_ == 0 && "new threads reach their first point before a decision");
  const bool yielded = std::exchange(yielding_, false);
  if (step_open_) {
    step_open_ = false;
    // Fair scheduling (CHESS): a thread that yielded waits until another
    // thread has taken a step, so that a spin loop cannot starve the
    // thread it waits for. At most one thread is held back at a time.
    yielder_ = yielded ? current_ : 0;
    if (logging_) [[unlikely]]
      close_step();
  }

  // The enabled threads: the runnable ones, less those whose pending
  // operation would block, less a yielder while another can run; and with
  // timeouts, the timed waiters (choosing one times its wait out).
  const thread_mask ready = runnable_ & ~lock_blocked_;
  const thread_mask held_back = ready & bit(yielder_);
  thread_mask candidates = ready & ~held_back;
  if (options_.timeouts) candidates |= timed_;
  if (candidates == 0) candidates = held_back;

  // The common cases stay here, the rest goes out of line (choose_rare) so
  // that this path, taken at nearly every scheduling point, stays short.
  const bool single = candidates != 0 && (candidates & (candidates - 1)) == 0;
  if (single && !forced_points_) {
    // One candidate: nothing to decide, and the strategy need not see it.
    return begin_step(first(candidates));
  }
  if (single || candidates == 0 || uniform_ == nullptr || !running())
    return choose_rare(candidates, yielded);
  // The k-th enabled thread in ascending order, as the strategy would pick.
  // Counted bit by bit: there are few, and std::popcount is a library call
  // on a baseline x86-64 target.
  std::uint32_t count = 0;
  for (thread_mask c = candidates; c != 0; c &= c - 1)
    ++count;
  for (std::uint32_t k = uniform_->below(count); k > 0; --k)
    candidates &= candidates - 1;
  const seam::thread_id chosen = first(candidates);
  if (decisions_.size() == decisions_.capacity()) [[unlikely]]
    return record_growing(chosen);
  decisions_.push_back(chosen);  // within capacity: no call
  return begin_step(chosen);
}

seam::thread_id execution::record_growing(seam::thread_id chosen) {
  decisions_.push_back(chosen);
  return begin_step(chosen);
}

seam::thread_id execution::choose_rare(thread_mask candidates, bool yielded) {
  if (candidates == 0) {
    // With timeouts off, a timed wait still ends rather than deadlock: the
    // earliest deadline passes first.
    model_thread* earliest = nullptr;
    for (const auto& t : threads()) {
      if (t->state == thread_state::blocked_futex && t->deadline &&
          (earliest == nullptr || *t->deadline < *earliest->deadline)) {
        earliest = t.get();
      }
    }
    if (earliest == nullptr) {
      stuck_ = true;
      return 0;
    }
    return begin_step(earliest->id);
  }
  std::size_t n = 0;
  for (thread_mask c = candidates; c != 0; c &= c - 1)
    candidates_[n++] = first(c);
  return begin_step(ask_strategy(std::span<const seam::thread_id>(candidates_.data(), n), yielded));
}

inline seam::thread_id execution::begin_step(seam::thread_id chosen) {
  step_open_ = true;
  // A chosen thread that is not runnable is a timed waiter.
  if ((timed_ & bit(chosen)) != 0 || logging_) [[unlikely]]
    return begin_step_rare(chosen);
  return chosen;
}

seam::thread_id execution::begin_step_rare(seam::thread_id chosen) {
  model_thread& t = *threads_[chosen - 1];
  if (t.state == thread_state::blocked_futex) time_out(t);
  // The chosen thread's step begins: the edges into it are known now (they
  // are recorded only while logging).
  if (logging_) {
    if (running()) {
      for (const std::uint32_t from : t.incoming)
        log_.add_edge(from);
    }
    t.incoming.clear();
  }
  return chosen;
}

seam::thread_id execution::ask_strategy(std::span<const seam::thread_id> candidates, bool yielded) {
  if (!running()) {
    // Draining: round robin after the current thread.
    const auto after = std::upper_bound(candidates.begin(), candidates.end(), current_);
    return after == candidates.end() ? candidates.front() : *after;
  }
  const seam::thread_id previous =
      current_ != 0 && thread(current_).state == thread_state::runnable ? current_ : 0;
  const bool preemptive = previous != 0 && !yielded &&
                          std::binary_search(candidates.begin(), candidates.end(), previous);
  const std::optional<seam::thread_id> picked =
      strategy_.pick_thread(thread_choice{candidates, previous, preemptive, yielded});
  if (picked && *picked == strategy::abandon) {
    // Cut short: the threads drain (finish normally where they can), like
    // after a failure, but nothing is reported.
    abandoned_ = true;
    phase_ = phase::draining;
    const auto after = std::upper_bound(candidates.begin(), candidates.end(), current_);
    return after == candidates.end() ? candidates.front() : *after;
  }
  if (!picked) {
    diverged("the token has no decision left");
    return candidates.front();
  }
  if (may_diverge_ && !std::binary_search(candidates.begin(), candidates.end(), *picked)) {
    diverged("thread " + std::to_string(*picked) + " cannot run here");
    return candidates.front();
  }
  if (candidates.size() > 1) decisions_.push_back(*picked);
  return *picked;
}

std::uint32_t execution::branch(std::uint32_t alternatives) {
  if (!running()) return 0;  // draining: no spurious events
  const std::optional<std::uint32_t> picked = strategy_.pick(alternatives);
  if (!picked || *picked >= alternatives) {
    diverged(picked ? "choice " + std::to_string(*picked) + " is out of range"
                    : "the token has no decision left");
    return 0;
  }
  decisions_.push_back(*picked);
  return *picked;
}

void execution::diverged(const std::string& why) {
  fail(finding_kind::replay_error,
       "schedule diverged at step " + std::to_string(steps_) + ": " + why +
           " (a token of another test, other options, or a nondeterministic test)");
}

void execution::time_out(model_thread& t) {
  clock_ = std::max(clock_, *t.deadline);
  unpark(t.id);
  set_state(t, thread_state::runnable);
  t.wake_result = seam::wait_result::timed_out;
  t.futex_word = nullptr;
  t.deadline.reset();
  if (tracing()) trace("timeout", thread_name(t.id), "the timed wait times out", {});
}

void execution::unpark(seam::thread_id id) {
  const auto it = std::find_if(parked_.begin(), parked_.end(),
                               [id](const parked_thread& p) { return p.thread == id; });
  if (it != parked_.end()) parked_.erase(it);
}

// --- Findings ---------------------------------------------------------------

void execution::fail(finding_kind kind, std::string message, std::vector<std::string> details) {
  if (!running()) return;
  if (tracing_) {
    trace_step s;
    s.step = trace_.size() + 1;
    s.thread = current_;
    s.operation = std::string(to_string(kind));
    s.detail = message;
    trace_.push_back(std::move(s));
  }
  failure_ = finding{kind, std::move(message), std::move(details)};
  phase_ = phase::draining;
}

void execution::assertion_failed(const char* expression, weft::source_location where) {
  if (!running()) return;  // the rest of an execution that already failed
  fail(finding_kind::assertion, std::string("WEFT_ASSERT(") + expression + ") failed in thread " +
                                    std::to_string(current_) + " at " +
                                    internal::format_location(where));
  throw assertion_abort{};
}

void execution::misuse(const seam::misuse_report& report) {
  if (!running()) return;
  std::string message = "misuse of " + name_of(report.object.address, report.object.type) + " (" +
                        std::string(report.object.type) + "): " + std::string(report.what) +
                        ", by thread " + std::to_string(report.thread);
  if (report.owner != 0) message += " (owner: thread " + std::to_string(report.owner) + ")";
  message += " at " + internal::format_location(report.where);
  fail(finding_kind::misuse, std::move(message));
}

// Where the holder of `lock` took it, for "thread 2 took it at f.cpp:8". The
// held locks are tracked only while the lock-order graph is on.
void execution::note_where_taken(internal::blocked_thread& b, const void* lock) {
  if (b.holder == 0 || b.holder > thread_count_) return;
  const auto& held = thread(b.holder).held;
  for (std::size_t i = held.size(); i-- > 0;) {
    if (held[i].lock == lock) {
      b.held_where = held[i].where;
      b.has_held_where = true;
      return;
    }
  }
}

void execution::report_deadlock() {
  std::vector<internal::blocked_thread> blocked;
  for (const auto& t : threads()) {
    if (t->state == thread_state::finished) continue;
    internal::blocked_thread b;
    b.thread = t->id;
    if (t->state == thread_state::blocked_join) {
      b.operation = "join";
      b.resource = thread_name(t->join_target);
      b.holder = t->join_target;
      if (t->join_where.line() != 0) {
        b.where = t->join_where;
        b.has_where = true;
      }
    } else if (t->pending.what == pending_op::kind::lock) {
      // Not let into a lock() of a lock another thread holds.
      const seam::object_ref& object = t->pending.object;
      b.operation = std::string(object.type) + "::lock";
      b.resource = name_of(object.address, object.type);
      if (const object_state* o = objects_.find(object.address)) b.holder = o->owner;
      b.where = t->pending.where;
      b.has_where = true;
      note_where_taken(b, object.address);
    } else if (!t->ops.empty()) {
      // The futex word belongs to the primitive whose operation parked.
      const op_frame& op = t->ops.back();
      b.operation = std::string(op.object.type) + "::" + std::string(seam::to_string(op.kind));
      b.resource = name_of(op.object.address, op.object.type);
      if (const object_state* o = objects_.find(op.object.address)) b.holder = o->owner;
      b.where = op.where;
      b.has_where = true;
      note_where_taken(b, op.object.address);
    } else {
      b.operation = "futex wait";
      b.resource = name_of(t->futex_word, "futex");
    }
    blocked.push_back(std::move(b));
  }
  finding f = describe_deadlock(blocked);
  fail(f.kind, std::move(f.message), std::move(f.details));
}

// --- Tracing ----------------------------------------------------------------

void execution::trace(std::string operation, std::string object, std::string detail,
                      weft::source_location where) {
  if (!tracing_ || !running()) return;
  trace_step s;
  s.step = trace_.size() + 1;
  s.thread = current_;
  s.operation = std::move(operation);
  s.object = std::move(object);
  s.detail = std::move(detail);
  if (where.line() != 0) {
    s.file = internal::format_location(where);
    s.file.resize(s.file.rfind(':'));
    s.line = where.line();
  }
  trace_.push_back(std::move(s));
}

void execution::trace_thread(std::string_view operation, seam::thread_id thread,
                             weft::source_location where) {
  trace(std::string(operation), thread_name(thread), "", where);
}

void execution::trace_op(const seam::object_ref& object, seam::op_kind kind,
                         std::string_view detail, weft::source_location where) {
  trace(std::string(object.type) + "::" + std::string(seam::to_string(kind)),
        name_of(object.address, object.type), std::string(detail), where);
}

void execution::trace_access(const void* address, bool is_write, weft::source_location where) {
  trace(is_write ? "write" : "read", name_of(address, "shared"), "", where);
}

std::string execution::name_of(const void* address, std::string_view type) {
  if (const auto it = names_.find(address); it != names_.end()) return it->second;
  const std::string_view kind = short_type(type);
  auto count = name_counts_.find(kind);
  if (count == name_counts_.end()) count = name_counts_.emplace(std::string(kind), 0).first;
  std::string name = std::string(kind) + "#" + std::to_string(++count->second);
  names_.emplace(address, name);
  return name;
}

std::string execution::thread_name(seam::thread_id id) {
  return "thread " + std::to_string(id);
}

// --- seam::runtime ------------------------------------------------------------

bool execution::atomic_access(const void* address, seam::atomic_op op, std::memory_order order,
                              weft::source_location where, seam::value_formatter format) {
  // Inside an opaque operation at scenario grain, the primitive's atomics
  // are not steps of their own: the common case, kept apart from the rest.
  if (phase_ == phase::unwinding) [[unlikely]] {
    unwind_point(op != seam::atomic_op::load);
    return false;
  }
  if (hidden(self())) return false;
  return atomic_step(address, op, order, where, format);
}

bool execution::atomic_step(const void* address, seam::atomic_op op, std::memory_order order,
                            weft::source_location where, seam::value_formatter format) {
  self().defers_unwind = op != seam::atomic_op::load;
  schedule();
  record_access(address, op != seam::atomic_op::load);
  synchronize(address, op, order);
  return tracing() && trace_atomic(address, op, order, where, format);
}

bool execution::trace_atomic(const void* address, seam::atomic_op op, std::memory_order order,
                             weft::source_location where, seam::value_formatter format) {
  const bool inside = !self().ops.empty();
  const std::string object =
      inside ? name_of(self().ops.back().object.address, self().ops.back().object.type)
             : name_of(address, "atomic");
  const std::size_t lines = trace_.size();
  trace("atomic " + std::string(seam::to_string(op)), object, std::string(order_name(order)),
        where);
  if (format == nullptr || trace_.size() == lines) return false;
  // A load's value is known now; what a write leaves is read right after
  // the access (atomic_performed).
  if (op == seam::atomic_op::load) {
    trace_.back().detail += ", read " + format(address);
    return false;
  }
  unsettled_ = unsettled_value{trace_.size() - 1, address, format, op, format(address)};
  return true;
}

void execution::atomic_performed(const void* address) {
  if (unsettled_ && unsettled_->address == address) settle_value();
}

void execution::plain_access(const void* address, bool is_write, weft::source_location where) {
  if (phase_ == phase::unwinding) [[unlikely]] {
    unwind_point(is_write);
    return;
  }
  if (hidden(self())) return;
  self().defers_unwind = is_write;
  schedule();
  record_access(address, is_write);
  if (tracing()) trace_access(address, is_write, where);
  if (running()) {
    const access* const found = races_.on_access(address, is_write, current_, self().clock, where);
    if (found != nullptr) [[unlikely]]
      report_race(address, is_write, where, *found);
  }
}

void execution::synchronize(const void* address, seam::atomic_op op, std::memory_order order) {
  // By memory order, on the address's clock: a release publishes the
  // thread's clock into it, an acquire joins it. seq_cst counts as both,
  // even for a pure load or store (an over-approximation that can only hide
  // races). A relaxed plain store ends the release sequence (C++20): later
  // acquires of the address no longer synchronize with earlier releases.
  const bool acquires = order == std::memory_order_acquire || order == std::memory_order_consume ||
                        order == std::memory_order_acq_rel || order == std::memory_order_seq_cst;
  const bool releases = order == std::memory_order_release || order == std::memory_order_acq_rel ||
                        order == std::memory_order_seq_cst;
  vector_clock& clock = atomic_clocks_[address];
  if (op == seam::atomic_op::store && !releases) {
    clock.clear();
    return;
  }
  if (acquires || order == std::memory_order_seq_cst) acquire(clock);
  if (releases || (op == seam::atomic_op::load && order == std::memory_order_seq_cst))
    release(clock);
}

void execution::report_race(const void* address, bool is_write, weft::source_location where,
                            const access& conflicting) {
  const access other = conflicting;
  auto describe = [](bool write, seam::thread_id thread, weft::source_location at) {
    return std::string(write ? "write" : "read") + " by thread " + std::to_string(thread) + " at " +
           internal::format_location(at);
  };
  const std::string now = describe(is_write, current_, where);
  const std::string before = describe(other.is_write, other.epoch.thread, other.where);
  fail(finding_kind::data_race,
       "data race on " + name_of(address, "shared") + " (weft::shared): " + now +
           " conflicts with " + before,
       {"this access: " + now, "conflicting access: " + before,
        "neither happens before the other: no join, primitive operation or release/acquire "
        "atomic orders them"});
}

seam::wait_result execution::futex_wait(const std::atomic<std::uint32_t>& word,
                                        std::uint32_t expected,
                                        std::optional<seam::time_point> deadline) {
  // A wait acquires: the thread may unwind here, unless an operation around
  // it defers (a release stopped earlier in the same step must not leave
  // its mark on this point, or a condition variable's waiter would wait on
  // for a notify that never comes).
  self().defers_unwind = false;
  if (phase_ == phase::unwinding) {
    // Blocking stays real while unwinding (see unwind_all), timeouts too.
    if (word.load(std::memory_order_relaxed) != expected) return seam::wait_result::value_changed;
    if (deadline) return seam::wait_result::timed_out;
    model_thread& me = self();
    // A thread running on after a deferred unwind (see unwind_point) that is
    // about to block unwinds now, if it may.
    if (me.unwind_deferred && may_throw_unwind(me)) {
      me.unwind_deferred = false;
      throw_unwind();
    }
    set_state(me, thread_state::blocked_futex);
    me.futex_word = &word;
    parked_.push_back({&word, me.id});
    block();
    return me.wake_result;
  }
  if (!hidden(self())) {
    schedule();
    record_access(&word, true);
  }
  model_thread& me = self();
  const std::string object = tracing_ && running() && !me.ops.empty()
                                 ? name_of(me.ops.back().object.address, me.ops.back().object.type)
                                 : std::string();
  if (word.load(std::memory_order_relaxed) != expected) {
    me.spurious_last = false;
    if (tracing()) trace("futex wait", object, "value changed: no wait", {});
    return seam::wait_result::value_changed;
  }
  if (deadline && *deadline <= clock_) {
    me.spurious_last = false;
    if (tracing()) trace("futex wait", object, "deadline already passed", {});
    return seam::wait_result::timed_out;
  }
  // A spurious wake-up is a choice wherever the caller can see it: any
  // futex wait that is not hidden (see hidden()), and a condition
  // variable's wait at scenario grain (the other opaque operations re-wait
  // inside). Never twice in a row for one thread, so that a wait loop stays
  // finite for a systematic search.
  const bool visible = !hidden(me) || (me.ops.back().kind == seam::op_kind::wait &&
                                       me.ops.back().object.type.find("condition_variable") !=
                                           std::string_view::npos);
  if (options_.spurious_wakeups && visible && !me.spurious_last && branch(2) == 1) {
    me.spurious_last = true;
    if (tracing()) trace("futex wait", object, "spurious wake-up", {});
    return seam::wait_result::woken;
  }
  me.spurious_last = false;
  if (tracing()) trace("futex wait", object, deadline ? "parks (timed)" : "parks", {});
  me.futex_word = &word;
  me.deadline.reset();
  if (deadline && *deadline != seam::time_point::max()) me.deadline = deadline;
  set_state(me, thread_state::blocked_futex);
  parked_.push_back({&word, me.id});
  block();
  return me.wake_result;
}

void execution::futex_wake(const std::atomic<std::uint32_t>& word, int count) {
  if (!hidden(self())) {
    self().defers_unwind = false;
    schedule();
    record_access(&word, true);
  }
  int woken = 0;
  for (auto it = parked_.begin(); it != parked_.end() && woken < count;) {
    if (it->word != &word) {
      ++it;
      continue;
    }
    model_thread& t = thread(it->thread);
    it = parked_.erase(it);
    set_state(t, thread_state::runnable);
    t.wake_result = seam::wait_result::woken;
    t.futex_word = nullptr;
    t.deadline.reset();
    // A conservative edge: the woken thread's wait returns after the wake.
    t.clock.join(self().clock);
    if (logging_ && running()) t.incoming.push_back(log_.open_index());
    ++woken;
  }
  if (woken > 0) self().clock.increment(current_);
  if (tracing()) {
    model_thread& me = self();
    const std::string object =
        me.ops.empty() ? std::string()
                       : name_of(me.ops.back().object.address, me.ops.back().object.type);
    trace("futex wake", object, std::to_string(woken) + " woken", {});
  }
}

void execution::yield() {
  if (phase_ == phase::unwinding) [[unlikely]] {
    unwind_point(false);
    return;
  }
  // A yield inside a transparent operation (a spin-wait in a task_future's
  // get()) is a point like any other: otherwise the spin never ends.
  if (hidden(self())) return;
  self().defers_unwind = false;
  yielding_ = true;
  schedule();
  if (tracing()) trace("yield", "", "", {});
}

std::unique_ptr<seam::thread_handle> execution::spawn(seam::thread_body body) {
  if (phase_ == phase::unwinding) {
    unwind_point(false);
  } else {
    self().defers_unwind = false;
    schedule();
  }
  if (thread_count_ >= max_threads && phase_ != phase::unwinding) {
    fail(finding_kind::too_many_threads, "the test started more than weft::max_threads (" +
                                             std::to_string(max_threads) +
                                             ") threads in one execution");
    throw assertion_abort{};  // stops the spawning thread
  }
  model_thread& t = new_thread();
  t.body = std::move(body);
  t.handle_alive = true;
  // Everything the parent did so far happens before the child starts.
  if (logging_ && running()) t.incoming.push_back(log_.open_index());
  t.clock = self().clock;
  t.clock.increment(t.id);
  self().clock.increment(current_);
  // Threads started while unwinding never run.
  if (phase_ == phase::unwinding) set_state(t, thread_state::finished);
  const seam::thread_id id = t.id;
  if (logging_) t.last_step = log_.open_index();  // until it takes a step of its own
  if (tracing()) trace_thread("spawn", id, {});
  // The child runs to its first scheduling point inside the parent's step:
  // what it does before is invisible to other threads, and then its first
  // operation is known, so that the strategy can tell whether it is
  // enabled (a lock() of a held lock is not). Not at once, but when the
  // parent's step ends (next_thread): then the child, or the last of the
  // new threads, makes the parent's decision itself, and the parent is
  // switched back to only if it is chosen (one fiber switch instead of a
  // round trip).
  if (phase_ != phase::unwinding) unstarted_ |= bit(id);
  // In the slot's storage, not on the heap (see model_handle).
  return std::unique_ptr<seam::thread_handle>(::new (thread(id).handle_storage.data())
                                                  model_handle(*this, id));
}

void execution::join(seam::thread_id target, weft::source_location where) {
  model_thread& me = self();
  if (phase_ == phase::unwinding) unwind_point(true);
  me.defers_unwind = true;  // a join is often in a destructor
  me.join_target = target;
  me.join_where = where;
  // A join of a running thread is not enabled until the thread finishes: the
  // joiner waits at its scheduling point blocked, not runnable, and finish()
  // makes it runnable (so that choose() has nothing to check for it).
  if (phase_ != phase::unwinding && thread(target).state != thread_state::finished)
    set_state(me, thread_state::blocked_join);
  schedule();
  if (tracing()) trace_thread("join", target, where);
  if (thread(target).state != thread_state::finished) {
    // Only while unwinding, where schedule() does nothing: blocking is real
    // then (see unwind_all).
    set_state(me, thread_state::blocked_join);
    block();
  }
  if (logging_ && running()) log_.add_edge(thread(target).last_step);
  // Everything the joined thread did happens before the join returns.
  me.clock.join(thread(target).clock);
  thread(target).handle_alive = false;
}

void execution::detach(seam::thread_id target, weft::source_location where) {
  thread(target).handle_alive = false;
  if (tracing()) trace("detach", thread_name(target), "", where);
}

void execution::drop_handle(seam::thread_id target) {
  model_thread& t = thread(target);
  if (!t.handle_alive) return;
  t.handle_alive = false;
  fail(finding_kind::unjoined_thread, "the weft::thread of thread " + std::to_string(target) +
                                          " was destroyed while joinable, by thread " +
                                          std::to_string(current_) +
                                          " (std::thread would call std::terminate)");
}

void execution::op_begin(const seam::object_ref& object, seam::op_kind kind, seam::op_body body,
                         weft::source_location where) {
  const bool opaque = body == seam::op_body::opaque;
  if (phase_ == phase::unwinding) [[unlikely]] {
    // The frames are kept while unwinding: they tell whether a point is
    // inside a deferring operation.
    unwind_point(defers_unwinding(kind));
    self().ops.push_back(op_frame{object, kind, where, no_object, body});
    if (opaque) ++self().opaque_ops;
    return;
  }
  model_thread& me = self();
  me.defers_unwind = defers_unwinding(kind);
  const bool scenario = options_.grain == grain::scenario;
  const std::size_t object_index = scenario ? objects_.index(object.address) : no_object;
  // Top level: outside any opaque operation (an operation nested in a
  // transparent one, such as a task's lock() run by a worker helping in a
  // get(), is a top-level one).
  const bool top = !hidden(me);
  if (top) {
    if (kind == seam::op_kind::lock && scenario)
      set_pending(me, pending_op{pending_op::kind::lock, object, where, object_index});
    schedule();
    clear_pending(me);
  }
  // At scenario grain an opaque primitive is one location: all its
  // operations conflict (nested ones too: a condition variable's wait
  // unlocks and relocks its mutex). A transparent one is not: its atomics
  // are recorded one by one.
  // A lock() let through only when the lock was free (a top-level one, see
  // pending_op) and an unlock() are marked: the DPOR never tries to reverse
  // them.
  const bool one_step = scenario && opaque;
  if (one_step && logging_ && running()) {
    access_kind access = access_kind::write;
    if (kind == seam::op_kind::unlock) access = access_kind::release;
    if (kind == seam::op_kind::lock && top) access = access_kind::guarded_acquire;
    log_.add_access(object.address, access);
  }
  // Scenario grain: an opaque operation of a primitive other than a lock
  // publishes what came before it (so that a thread blocked inside, at a
  // barrier say, is visible to whoever lets it out) ...
  if (one_step && publishes_on_entry(kind)) release(objects_.at_index(object_index).clock);
  me.ops.push_back(op_frame{object, kind, where, object_index, body});
  if (opaque) ++me.opaque_ops;
  if (tracing()) trace_op(object, kind, "", where);
}

void execution::op_end(const seam::object_ref& object, seam::op_kind kind, bool succeeded) {
  model_thread& me = self();
  bool opaque = true;
  if (phase_ == phase::unwinding) [[unlikely]] {
    if (!me.ops.empty()) {
      if (me.ops.back().body == seam::op_body::opaque) --me.opaque_ops;
      me.ops.pop_back();
    }
    return;
  }
  weft::source_location where;
  std::size_t object_index = no_object;
  if (!me.ops.empty()) {
    where = me.ops.back().where;
    if (me.ops.back().object.address == object.address) object_index = me.ops.back().object_index;
    opaque = me.ops.back().body == seam::op_body::opaque;
    if (opaque) --me.opaque_ops;
    me.ops.pop_back();
  }
  object_state* state = nullptr;
  // ... and acquires then releases the object's clock when it returns (a
  // transparent operation orders by its atomics instead).
  if (options_.grain == grain::scenario && opaque) {
    state =
        object_index != no_object ? &objects_.at_index(object_index) : &objects_[object.address];
    // acquire(clock) then release(clock), in one pass.
    state->clock.join_both(me.clock);
    me.clock.increment(current_);
  }
  if (succeeded && is_lock_kind(kind)) {
    if (state == nullptr) state = &objects_[object.address];
    set_owner(*state, me.id);
    lock_taken(me, object, kind, where);
  }
  if (succeeded && kind == seam::op_kind::unlock) {
    if (state == nullptr) state = objects_.find(object.address);
    if (state != nullptr) set_owner(*state, 0);
    lock_released(me, object.address);
  }
  if (kind == seam::op_kind::destroy && lock_order_used_) lock_order_.forget(object.address);
  if (tracing() && (kind == seam::op_kind::try_lock || kind == seam::op_kind::try_lock_shared ||
                    kind == seam::op_kind::try_acquire)) {
    trace_op(object, kind, succeeded ? "succeeded" : "failed", {});
  }
}

void execution::lock_taken(model_thread& t, const seam::object_ref& object, seam::op_kind kind,
                           weft::source_location where) {
  if (options_.lock_order == lock_order_policy::off || !running()) return;
  // A try_lock that succeeded did not block, so it cannot close a deadlock
  // cycle; the lock counts among those held for later acquisitions.
  if (kind == seam::op_kind::lock && !t.held.empty()) lock_nested(t, object, where);
  t.held.push_back({object.address, where});
  t.held_types.push_back(object.type);
}

namespace {
// The cycle's edges without their threads, starting at the smallest: one key
// for every rotation and every assignment of threads to the edges.
template <typename Name>
std::string cycle_key(const internal::lock_order_cycle& cycle, const Name& name) {
  std::vector<std::string> edges;
  edges.reserve(cycle.size());
  for (const internal::lock_order_edge& e : cycle) {
    edges.push_back(name(e.held) + "@" + internal::format_location(e.site.held_where) + ">" +
                    name(e.acquired) + "@" + internal::format_location(e.site.acquired_where));
  }
  const auto first = std::min_element(edges.begin(), edges.end());
  std::rotate(edges.begin(), first, edges.end());
  std::string key;
  for (const std::string& e : edges)
    key += e + ";";
  return key;
}
}  // namespace

void execution::lock_nested(model_thread& t, const seam::object_ref& object,
                            weft::source_location where) {
  // The types name the locks of a reported cycle; every lock of a cycle
  // is on some edge, so recording them with the edges suffices.
  lock_types_[object.address] = object.type;
  for (std::size_t i = 0; i < t.held.size(); ++i)
    lock_types_[t.held[i].lock] = t.held_types[i];
  lock_order_used_ = true;
  const std::vector<internal::lock_order_cycle> cycles =
      lock_order_.on_acquire(t.id, object.address, where, t.held);
  const auto lock_name = [this](const void* lock) {
    const std::string_view* type = lock_types_.find(lock);
    return name_of(lock, type == nullptr ? "lock" : *type);
  };
  for (const internal::lock_order_cycle& cycle : cycles) {
    std::string text =
        "lock-order inversion (potential deadlock): " + internal::describe_cycle(cycle, lock_name);
    if (options_.lock_order == lock_order_policy::fail) {
      fail(finding_kind::lock_order_inversion, std::move(text),
           {"the threads take these locks in opposite orders: run at the same time, each can "
            "hold one lock while waiting for the next (take them in one global order, or "
            "with std::scoped_lock)"});
    } else {
      warnings_.push_back({std::move(text), cycle_key(cycle, lock_name)});
    }
  }
}

void execution::lock_released(model_thread& t, const void* lock) {
  // The most recent acquisition of the lock goes (locks need not be
  // released in reverse order, but mostly are).
  if (!t.held.empty() && t.held.back().lock == lock) {
    t.held.pop_back();
    t.held_types.pop_back();
    return;
  }
  for (std::size_t i = t.held.size(); i-- > 0;) {
    if (t.held[i].lock == lock) {
      t.held.erase(t.held.begin() + static_cast<std::ptrdiff_t>(i));
      t.held_types.erase(t.held_types.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

}  // namespace weft::rt
