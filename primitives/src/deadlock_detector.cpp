// The runtime deadlock detector: per-thread records, the wait-for search and
// the lock-order graph (see weft/deadlock_detector.hpp for the contract and
// weft/internal/deadlock_hooks.hpp for where the locks call in).
//
// The detector is a diagnostic tool, not a primitive under the seam: it uses
// std::mutex and std::atomic directly, and does nothing on an OS thread where
// a seam runtime is installed, so a checker never sees it.
//
// Data and locks, outermost first:
//   registry_mu   the list of live thread records; held by searches and
//                 snapshots for their whole duration, which serializes them
//   record.guard  one thread's held locks and wait. Its thread takes it for
//                 every update (uncontended: no shared cache line is
//                 written) and reads them without it (no other thread
//                 writes them); a search takes every thread's guard at
//                 once, in list order, under registry_mu, so it sees one
//                 consistent wait-for graph. Nothing else takes more than
//                 one guard.
//   graph_mu      the lock-order graph and the lock types it mentions (a leaf)
//   names_mu      lock and thread names (a leaf)
//   config_mu     the options (a leaf)
// Reactions (callback, throw, abort) run with no detector lock held.
#include "weft/deadlock_detector.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "weft/internal/lock_order_graph.hpp"
#include "weft/seam/thread.hpp"

namespace weft {

namespace internal::deadlock {
std::atomic<std::uint32_t> g_flags{0};
}

namespace {

namespace dd = deadlock_detector;
using internal::deadlock::g_flags;

struct held_entry {
  const void* lock = nullptr;
  std::string_view type;  // the lock type's static type_name
  lock_mode mode = lock_mode::exclusive;
  weft::source_location where;
};

struct wait_entry {
  const void* lock = nullptr;
  std::string_view type;
  lock_mode mode = lock_mode::exclusive;
  bool timed = false;
  weft::source_location where;
};

// A thread's guard: almost always taken by its own thread alone, so an
// exchange to lock and a plain release store to unlock; a search holding it
// makes the owner yield.
class record_guard {
 public:
  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed))
        std::this_thread::yield();
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

struct key_hash {
  std::size_t operator()(const std::vector<const void*>& key) const noexcept {
    std::size_t h = 0;
    for (const void* p : key)
      h = h * 0x9e3779b97f4a7c15ULL + std::hash<const void*>{}(p);
    return h;
  }
};

// Bounds a thread's known_requests: beyond it the set starts afresh.
constexpr std::size_t max_known_requests = 256;

// One thread's part of the wait-for graph. Only its own thread writes
// `held`, `waiting` and `generation` (under `guard`, for the searches); the
// thread reads them without the guard.
struct thread_record {
  seam::thread_id id = 0;
  record_guard guard;
  std::vector<held_entry> held;  // in acquisition order
  std::optional<wait_entry> waiting;
  // `held` and `waiting` belong to this generation of the detector
  // (g_records_generation); from an older one they count as empty, and the
  // thread clears them at its next hook (see self()).
  std::uint64_t generation = 0;
  // request()'s scratch, kept to avoid an allocation per request.
  std::vector<internal::lock_order_graph::held_lock> scratch_held;
  std::vector<std::pair<const void*, std::string_view>> scratch_types;
  std::vector<const void*> scratch_key;
  // Requests this thread already put in the lock-order graph, as {held
  // locks in order..., requested}: the same thread asking again with the
  // same locks held changes nothing there (its site is dominated), so it
  // skips the graph and its mutex. Valid while `known_epoch` is the graph's
  // epoch (see g_graph_epoch). `last_request` is the most
  // recent of them, checked first: a loop repeating one nested acquisition
  // then costs a comparison of a few pointers, no hashing.
  std::unordered_set<std::vector<const void*>, key_hash> known_requests;
  std::vector<const void*> last_request;
  std::uint64_t known_epoch = 0;
};

struct detector_state {
  std::mutex registry_mu;
  std::vector<thread_record*> threads;

  std::mutex graph_mu;
  internal::lock_order_graph graph;                         // its epoch: g_graph_epoch
  std::unordered_map<const void*, std::string_view> types;  // of the graph's locks

  std::mutex names_mu;
  std::unordered_map<const void*, std::string> lock_names;  // name_lock's
  std::unordered_map<const void*, std::string> auto_names;  // "mutex#3"
  std::unordered_map<std::string, unsigned> auto_counts;    // per short type
  std::unordered_map<seam::thread_id, std::string> thread_names;

  std::mutex config_mu;
  std::shared_ptr<const dd::options> config = std::make_shared<const dd::options>();
};

// What the hooks read on every call, outside detector_state so that reading
// them needs no call to state() (constant-initialized, no guard).
//
// Bumped by enable() and disable() instead of clearing every thread's
// record from another thread, which would make each thread take its guard
// to read its own record (see thread_record::generation).
constinit std::atomic<std::uint64_t> g_records_generation{1};
constinit std::atomic<bool> g_lock_order_on{false};
// Bumped (under graph_mu) whenever the graph loses edges (a lock with edges
// forgotten, the graph cleared): threads' known_requests are then stale.
// Read relaxed: a lock in a thread's own request cannot be destroyed while
// the thread holds or requests it.
constinit std::atomic<std::uint64_t> g_graph_epoch{1};

// Never destroyed: threads (and their thread_local records) may outlive
// static destruction.
detector_state& state() {
  static auto* const s = new detector_state;
  return *s;
}

// ---- Thread records --------------------------------------------------------

thread_local thread_record* t_record = nullptr;
thread_local bool t_exited = false;

// Unregisters and frees the thread's record at thread exit.
struct record_owner {
  thread_record* record;
  explicit record_owner(thread_record* r) noexcept : record(r) {}
  record_owner(const record_owner&) = delete;
  record_owner& operator=(const record_owner&) = delete;
  ~record_owner() {
    detector_state& s = state();
    {
      std::lock_guard lock(s.registry_mu);
      std::erase(s.threads, record);
    }
    delete record;
    t_record = nullptr;
    t_exited = true;  // a later thread_local destructor that locks is not watched
  }
};

thread_record* register_thread() {
  auto record = std::make_unique<thread_record>();
  record->id = seam::current_thread_id();
  record->held.reserve(8);
  {
    std::lock_guard lock(state().registry_mu);
    state().threads.push_back(record.get());
  }
  // Constructed once per thread: this function runs once per thread.
  static thread_local record_owner owner{record.get()};
  t_record = record.release();
  return t_record;
}

// Brings the calling thread's record `me` to generation `current`: clears
// what it held and waited for under an older one.
[[gnu::noinline]] void renew(thread_record* me, std::uint64_t current) noexcept {
  std::lock_guard guard(me->guard);
  me->held.clear();
  me->waiting.reset();
  me->generation = current;
}

// The calling thread's record if it has one (a thread that never acquired
// a lock under the detector has nothing to release), brought to the current
// generation.
inline thread_record* self_if_registered() noexcept {
  thread_record* me = t_record;
  if (me == nullptr) return nullptr;
  const std::uint64_t current = g_records_generation.load(std::memory_order_relaxed);
  if (me->generation != current) [[unlikely]] {
    renew(me, current);
  }
  return me;
}

// The calling thread's record, registered on first use and brought to the
// current generation; nullptr while the thread is exiting.
inline thread_record* self() {
  if (t_record == nullptr) [[unlikely]] {
    if (t_exited) return nullptr;
    register_thread();
  }
  return self_if_registered();
}

std::shared_ptr<const dd::options> current_config() {
  detector_state& s = state();
  std::lock_guard lock(s.config_mu);
  return s.config;
}

// ---- Names -----------------------------------------------------------------

std::string_view short_type(std::string_view type) noexcept {
  if (type.rfind("weft::", 0) == 0) type.remove_prefix(6);
  return type;
}

// Requires names_mu.
std::string lock_name_locked(detector_state& s, const void* lock, std::string_view type) {
  if (const auto it = s.lock_names.find(lock); it != s.lock_names.end()) return it->second;
  if (const auto it = s.auto_names.find(lock); it != s.auto_names.end()) return it->second;
  const std::string kind(type.empty() ? std::string_view("lock") : short_type(type));
  std::string name = kind + "#" + std::to_string(++s.auto_counts[kind]);
  s.auto_names.emplace(lock, name);
  return name;
}

// Resolves names for the locks and threads of `r` (collected with empty
// names).
class namer {
 public:
  namer() : state_(state()), lock_(state_.names_mu) {}
  dd::lock_info lock(const void* address, std::string_view type) {
    return {address, std::string(type), lock_name_locked(state_, address, type)};
  }
  dd::thread_info thread(seam::thread_id id) {
    const auto it = state_.thread_names.find(id);
    return {id, it == state_.thread_names.end() ? std::string() : it->second};
  }

 private:
  detector_state& state_;
  std::lock_guard<std::mutex> lock_;
};

// ---- Reactions ---------------------------------------------------------------

void print(const dd::report& r) {
  const std::string text = dd::to_text(r);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

void react(dd::report r, dd::reaction how, bool can_throw, const dd::options& config) {
  switch (how) {
    case dd::reaction::throw_error:
      if (can_throw) throw deadlock_error(std::move(r));
      [[fallthrough]];
    case dd::reaction::report:
      if (config.callback) {
        config.callback(r);
      } else {
        print(r);
      }
      return;
    case dd::reaction::abort:
      print(r);
      std::abort();
  }
}

// ---- The wait-for search -------------------------------------------------------

// One edge found by the search: `waiter` waits (per its record) and cannot
// proceed until `holder` acts.
struct raw_step {
  const thread_record* waiter = nullptr;
  wait_entry wait;
  const thread_record* holder = nullptr;
  bool holder_waiting = false;
  lock_mode held_mode = lock_mode::exclusive;
  weft::source_location held_at;
};

// The threads `t` (waiting as `w`) waits for: the lock's owners in a
// conflicting mode; for a reader with no writer holding the lock, the
// writers waiting for it (they go first). Requires every guard.
template <typename F>
void for_each_blocker(const std::vector<const thread_record*>& threads, const thread_record* t,
                      const wait_entry& w, F&& visit) {
  bool writer_holds = false;
  for (const thread_record* u : threads) {
    for (const held_entry& e : u->held) {
      if (e.lock != w.lock) continue;
      if (w.mode == lock_mode::exclusive || e.mode == lock_mode::exclusive) {
        writer_holds = writer_holds || e.mode == lock_mode::exclusive;
        if (visit(raw_step{t, w, u, false, e.mode, e.where})) return;
      }
      break;  // one step per owner
    }
  }
  if (w.mode != lock_mode::shared || writer_holds) return;
  for (const thread_record* u : threads) {
    if (u != t && u->waiting && u->waiting->lock == w.lock &&
        u->waiting->mode == lock_mode::exclusive) {
      if (visit(raw_step{t, w, u, true, lock_mode::exclusive, u->waiting->where})) return;
    }
  }
}

// A shortest cycle of the wait-for graph through `me` (which waits), breadth
// first; empty if none. Requires every guard.
std::vector<raw_step> find_cycle(const std::vector<const thread_record*>& threads,
                                 const thread_record* me) {
  std::unordered_map<const thread_record*, raw_step> came_by;  // visited threads
  std::vector<const thread_record*> frontier{me};
  const raw_step* closing = nullptr;
  raw_step last;
  for (std::size_t next = 0; next < frontier.size() && closing == nullptr; ++next) {
    const thread_record* t = frontier[next];
    if (!t->waiting) continue;
    for_each_blocker(threads, t, *t->waiting, [&](const raw_step& step) {
      if (step.holder == me) {
        last = step;
        closing = &last;
        return true;
      }
      if (came_by.emplace(step.holder, step).second) frontier.push_back(step.holder);
      return false;
    });
  }
  if (closing == nullptr) return {};
  std::vector<raw_step> cycle{last};
  for (const thread_record* at = last.waiter; at != me;) {
    const raw_step& step = came_by.at(at);
    cycle.push_back(step);
    at = step.waiter;
  }
  std::reverse(cycle.begin(), cycle.end());
  return cycle;
}

// Holds registry_mu and every thread's guard.
class all_records {
 public:
  all_records()
      : state_(state()),
        registry_(state_.registry_mu),
        current_(g_records_generation.load(std::memory_order_relaxed)) {
    live_.reserve(state_.threads.size());
    for (thread_record* t : state_.threads) {
      t->guard.lock();
      if (is_live(t)) live_.push_back(t);
    }
  }
  all_records(const all_records&) = delete;
  all_records& operator=(const all_records&) = delete;
  ~all_records() {
    for (thread_record* t : state_.threads)
      t->guard.unlock();
  }
  // Every thread's record.
  [[nodiscard]] const std::vector<thread_record*>& threads() const { return state_.threads; }
  // The records of the current generation: the others hold nothing and wait
  // for nothing, whatever their lists still say.
  [[nodiscard]] const std::vector<const thread_record*>& live() const { return live_; }
  [[nodiscard]] bool is_live(const thread_record* t) const { return t->generation == current_; }

 private:
  detector_state& state_;
  std::lock_guard<std::mutex> registry_;
  std::uint64_t current_;
  std::vector<const thread_record*> live_;
};

dd::report deadlock_report(const std::vector<raw_step>& cycle) {
  dd::report r;
  r.kind = dd::report_kind::deadlock;
  namer names;
  for (const raw_step& s : cycle) {
    dd::wait_step step;
    step.waiter = names.thread(s.waiter->id);
    step.lock = names.lock(s.wait.lock, s.wait.type);
    step.requested_mode = s.wait.mode;
    step.requested_at = s.wait.where;
    step.timed = s.wait.timed;
    step.holder = names.thread(s.holder->id);
    step.holder_waiting = s.holder_waiting;
    step.held_mode = s.held_mode;
    step.held_at = s.held_at;
    r.wait_cycle.push_back(std::move(step));
  }
  return r;
}

// Every thread's held locks and wait are forgotten: each thread clears its
// own record at its next hook, and searches ignore it until then.
void clear_all_records() {
  g_records_generation.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

// ---- Hooks -------------------------------------------------------------------

namespace internal::deadlock {

void request(const void* lock, std::string_view type, lock_mode mode, weft::source_location where) {
  (void)mode;  // shared and exclusive requests both make edges (conservative)
  if (seam::active() != nullptr) return;
  if (!g_lock_order_on.load(std::memory_order_relaxed)) return;
  thread_record* me = self();
  if (me == nullptr || me->held.empty()) return;

  const std::uint64_t epoch = g_graph_epoch.load(std::memory_order_relaxed);
  if (me->known_epoch != epoch) {
    me->known_requests.clear();
    me->last_request.clear();
    me->known_epoch = epoch;
  }
  // The same request as last time? (No guard: only this thread writes its
  // held list.)
  const std::vector<const void*>& last = me->last_request;
  if (last.size() == me->held.size() + 1 && last.back() == lock &&
      std::equal(me->held.begin(), me->held.end(), last.begin(),
                 [](const held_entry& e, const void* l) { return e.lock == l; })) {
    return;
  }
  std::vector<const void*>& key = me->scratch_key;
  key.clear();
  for (const held_entry& e : me->held)
    key.push_back(e.lock);
  key.push_back(lock);
  if (me->known_requests.contains(key)) {  // nothing new for the graph
    me->last_request.swap(key);
    return;
  }

  detector_state& s = state();
  std::vector<lock_order_graph::held_lock>& held = me->scratch_held;
  std::vector<std::pair<const void*, std::string_view>>& held_types = me->scratch_types;
  held.clear();
  held_types.clear();
  for (const held_entry& e : me->held) {
    held.push_back({e.lock, e.where});
    held_types.emplace_back(e.lock, e.type);
  }
  std::vector<lock_order_cycle> cycles;
  std::unordered_map<const void*, std::string_view> types;
  {
    std::lock_guard lock_graph(s.graph_mu);
    const std::size_t edges_before = s.graph.edge_count();
    cycles = s.graph.on_acquire(me->id, lock, where, held);
    if (s.graph.edge_count() != edges_before) {
      s.types.try_emplace(lock, type);
      for (const auto& [address, held_type] : held_types)
        s.types.try_emplace(address, held_type);
    }
    if (!cycles.empty()) types = s.types;
  }
  try {
    if (me->known_requests.size() >= max_known_requests) me->known_requests.clear();
    me->known_requests.insert(key);
    me->last_request.swap(key);
  } catch (const std::bad_alloc&) {
    // Only a cache: the next identical request goes to the graph again.
  }
  if (cycles.empty()) return;

  const auto config = current_config();
  for (const lock_order_cycle& cycle : cycles) {
    dd::report r;
    r.kind = dd::report_kind::lock_order_inversion;
    {
      namer names;
      auto type_of = [&](const void* address) {
        const auto it = types.find(address);
        return it == types.end() ? std::string_view() : it->second;
      };
      for (const lock_order_edge& e : cycle) {
        r.order_cycle.push_back({names.thread(e.site.thread), names.lock(e.held, type_of(e.held)),
                                 e.site.held_where, names.lock(e.acquired, type_of(e.acquired)),
                                 e.site.acquired_where});
      }
    }
    react(std::move(r), config->on_lock_order, true, *config);
  }
}

void block(const void* lock, std::string_view type, lock_mode mode, bool timed, bool can_back_out,
           weft::source_location where) {
  if (seam::active() != nullptr) return;
  thread_record* me = self();
  if (me == nullptr) return;
  const auto config = current_config();
  const bool backs_out = can_back_out && config->on_deadlock == dd::reaction::throw_error;
  dd::report r;
  {
    all_records records;
    me->waiting = wait_entry{lock, type, mode, timed, where};
    const std::vector<raw_step> cycle = find_cycle(records.live(), me);
    if (cycle.empty()) return;
    if (backs_out) me->waiting.reset();
    // Built here: the steps point into records that a thread exit may free
    // once the guards are released.
    r = deadlock_report(cycle);
  }
  react(std::move(r), config->on_deadlock, backs_out, *config);
}

void acquired(const void* lock, std::string_view type, lock_mode mode,
              weft::source_location where) noexcept {
  if (seam::active() != nullptr) return;
  try {
    thread_record* me = self();
    if (me == nullptr) return;
    std::lock_guard guard(me->guard);
    if (me->waiting && me->waiting->lock == lock) me->waiting.reset();
    me->held.push_back({lock, type, mode, where});
  } catch (...) {
    // Out of memory: the acquisition goes unrecorded (the detector may miss
    // a cycle through it, never invent one).
  }
}

void abandoned(const void* lock) noexcept {
  if (seam::active() != nullptr) return;
  thread_record* me = self_if_registered();
  if (me == nullptr) return;
  std::lock_guard guard(me->guard);
  if (me->waiting && me->waiting->lock == lock) me->waiting.reset();
}

void released(const void* lock, lock_mode mode) noexcept {
  if (seam::active() != nullptr) return;
  thread_record* me = self_if_registered();
  if (me == nullptr) return;
  std::lock_guard guard(me->guard);
  // The most recent acquisition goes: locks need not be released in reverse
  // order. An unknown lock (taken while the detector was off) is ignored.
  for (auto it = me->held.rbegin(); it != me->held.rend(); ++it) {
    if (it->lock == lock && it->mode == mode) {
      me->held.erase(std::next(it).base());
      return;
    }
  }
}

void destroyed(const void* lock) noexcept {
  if (seam::active() != nullptr) return;
  detector_state& s = state();
  try {
    {
      std::lock_guard lock_graph(s.graph_mu);
      const std::size_t locks_before = s.graph.lock_count();
      s.graph.forget(lock);
      if (s.graph.lock_count() != locks_before) {
        g_graph_epoch.fetch_add(1, std::memory_order_relaxed);
      }
      s.types.erase(lock);
    }
    std::lock_guard lock_names(s.names_mu);
    s.auto_names.erase(lock);
    if (s.lock_names.erase(lock) != 0 && s.lock_names.empty()) {
      g_flags.fetch_and(~names_bit, std::memory_order_relaxed);
    }
  } catch (...) {
    // forget() allocates nothing; a throwing hash is impossible here.
  }
}

}  // namespace internal::deadlock

// ---- Public API --------------------------------------------------------------------

namespace deadlock_detector {

bool enable(options opts) {
#if WEFT_DEADLOCK_DETECTOR
  detector_state& s = state();
  internal::lock_order_graph::options graph_options;
  graph_options.require_distinct_threads = opts.require_distinct_threads;
  graph_options.suppress_gated = opts.suppress_gated;
  const bool lock_order = opts.detect_lock_order;
  {
    std::lock_guard lock(s.config_mu);
    s.config = std::make_shared<const options>(std::move(opts));
  }
  clear_all_records();
  {
    std::lock_guard lock(s.graph_mu);
    s.graph = internal::lock_order_graph(graph_options);
    g_graph_epoch.fetch_add(1, std::memory_order_relaxed);
    s.types.clear();
  }
  g_lock_order_on.store(lock_order, std::memory_order_relaxed);
  g_flags.fetch_or(internal::deadlock::enabled_bit, std::memory_order_relaxed);
  return true;
#else
  (void)opts;
  return false;
#endif
}

void disable() {
  detector_state& s = state();
  g_flags.fetch_and(~internal::deadlock::enabled_bit, std::memory_order_relaxed);
  g_lock_order_on.store(false, std::memory_order_relaxed);
  clear_all_records();
  std::lock_guard lock(s.graph_mu);
  s.graph.clear();
  g_graph_epoch.fetch_add(1, std::memory_order_relaxed);
  s.types.clear();
}

bool enabled() noexcept {
  return internal::deadlock::on();
}

void name_lock(const void* lock, std::string name) {
  detector_state& s = state();
  std::lock_guard guard(s.names_mu);
  s.lock_names.insert_or_assign(lock, std::move(name));
  g_flags.fetch_or(internal::deadlock::names_bit, std::memory_order_relaxed);
}

void name_this_thread(std::string name) {
  detector_state& s = state();
  const seam::thread_id id = seam::current_thread_id();
  std::lock_guard guard(s.names_mu);
  s.thread_names.insert_or_assign(id, std::move(name));
}

graph_snapshot take_snapshot() {
  graph_snapshot snap;
  if (!enabled()) return snap;
  detector_state& s = state();
  struct raw_thread {
    seam::thread_id id;
    std::vector<held_entry> held;
    std::optional<wait_entry> waiting;
  };
  std::vector<raw_thread> raw;
  {
    all_records records;
    for (const thread_record* t : records.threads()) {
      if (records.is_live(t)) {
        raw.push_back({t->id, t->held, t->waiting});
      } else {
        raw.push_back({t->id, {}, std::nullopt});
      }
    }
  }
  std::vector<internal::lock_order_edge> edges;
  std::unordered_map<const void*, std::string_view> types;
  {
    std::lock_guard lock(s.graph_mu);
    edges = s.graph.edges();
    types = s.types;
  }
  std::sort(raw.begin(), raw.end(),
            [](const raw_thread& a, const raw_thread& b) { return a.id < b.id; });
  namer names;
  for (const raw_thread& t : raw) {
    thread_snapshot ts;
    ts.thread = names.thread(t.id);
    for (const held_entry& e : t.held)
      ts.held.push_back({names.lock(e.lock, e.type), e.mode, e.where});
    if (t.waiting) {
      ts.waiting = wait_info{names.lock(t.waiting->lock, t.waiting->type), t.waiting->mode,
                             t.waiting->where, t.waiting->timed};
    }
    snap.threads.push_back(std::move(ts));
  }
  auto type_of = [&](const void* address) {
    const auto it = types.find(address);
    return it == types.end() ? std::string_view() : it->second;
  };
  for (const internal::lock_order_edge& e : edges) {
    snap.lock_order.push_back({names.thread(e.site.thread), names.lock(e.held, type_of(e.held)),
                               e.site.held_where, names.lock(e.acquired, type_of(e.acquired)),
                               e.site.acquired_where});
  }
  // Edges come out of a hash table: sort for stable output.
  std::sort(
      snap.lock_order.begin(), snap.lock_order.end(), [](const order_step& a, const order_step& b) {
        return std::pair(a.held.name, a.acquired.name) < std::pair(b.held.name, b.acquired.name);
      });
  return snap;
}

}  // namespace deadlock_detector

deadlock_error::deadlock_error(deadlock_detector::report r)
    : std::runtime_error(deadlock_detector::to_text(r)), report_(std::move(r)) {}

}  // namespace weft
