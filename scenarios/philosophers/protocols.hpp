// The ways philosophers take their forks, one class per variant: each is
// constructed with the number of seats and has pick_up(p) (returns holding
// the right to eat) and put_down(p). Seating is in table.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <vector>

#include "table.hpp"
#include "weft/condition_variable.hpp"
#include "weft/internal/thread_annotations.hpp"
#include "weft/mutex.hpp"
#include "weft/semaphore.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

namespace weft::scenarios::philosophers {

// The forks as locks: holding fork f's mutex is holding the fork.
//
// The fork classes below take their locks in pick_up and release them in
// put_down, and which forks those are depends on the seat: clang's
// thread-safety analysis cannot name such capabilities, so those two
// methods opt out of it (WEFT_NO_THREAD_SAFETY_ANALYSIS). The checker is
// what verifies them.
class forks {
 public:
  explicit forks(int seats) : seats_(seats), forks_(static_cast<std::size_t>(seats)) {}

  [[nodiscard]] int seats() const { return seats_; }
  [[nodiscard]] weft::mutex& at(std::size_t fork) { return forks_[fork]; }
  [[nodiscard]] weft::mutex& left(int p) { return at(left_fork(p, seats_)); }
  [[nodiscard]] weft::mutex& right(int p) { return at(right_fork(p, seats_)); }

 private:
  int seats_;
  std::vector<weft::mutex> forks_;
};

// Left fork, then right fork.
class naive {
 public:
  explicit naive(int seats) : forks_(seats) {}

  void pick_up(int p) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    forks_.left(p).lock();
    // BUG: waits for the right fork while holding the left one. If every
    // philosopher has taken their left fork, each waits for the fork their
    // right neighbour holds: a cycle, and nobody ever eats.
    forks_.right(p).lock();
  }
  void put_down(int p) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    forks_.right(p).unlock();
    forks_.left(p).unlock();
  }

 private:
  forks forks_;
};

// Resource ordering: the lower-numbered fork first.
class ordered {
 public:
  explicit ordered(int seats) : forks_(seats) {}

  void pick_up(int p) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    // Every philosopher takes the lower-numbered of their forks first (the
    // last philosopher, whose right fork is fork 0, takes it before their
    // left). A cycle of waits would need someone holding a higher fork
    // while waiting for a lower one, which this order never does.
    lower(p).lock();
    higher(p).lock();
  }
  void put_down(int p) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    higher(p).unlock();
    lower(p).unlock();
  }

 private:
  weft::mutex& lower(int p) {
    return forks_.at(std::min(left_fork(p, forks_.seats()), right_fork(p, forks_.seats())));
  }
  weft::mutex& higher(int p) {
    return forks_.at(std::max(left_fork(p, forks_.seats()), right_fork(p, forks_.seats())));
  }

  forks forks_;
};

// An arbitrator: at most n - 1 philosophers at the table at once.
class arbitrator {
 public:
  explicit arbitrator(int seats) : seats_at_table_(seats - 1), forks_(seats) {}

  void pick_up(int p) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    // With at most n - 1 philosophers reaching for forks, n forks cannot
    // all be held as left forks: one of the seated has a free right fork,
    // eats, and puts both down. The forks are still taken left then right.
    seats_at_table_.acquire();
    forks_.left(p).lock();
    forks_.right(p).lock();
  }
  void put_down(int p) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    forks_.right(p).unlock();
    forks_.left(p).unlock();
    seats_at_table_.release();
  }

 private:
  weft::counting_semaphore<> seats_at_table_;
  forks forks_;
};

// Left fork, then try the right one; on failure put the left back, back
// off, and start again.
class try_lock_backoff {
 public:
  explicit try_lock_backoff(int seats) : forks_(seats) {}

  void pick_up(int p) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    for (;;) {
      forks_.left(p).lock();
      if (forks_.right(p).try_lock()) return;
      // BUG: no deadlock, since no one waits while holding a fork, but
      // nothing breaks the symmetry either: if all take their left forks
      // together, all fail together, all put them down together and all
      // retry together, forever (a livelock). The back-off is the same for
      // everyone, so it does not separate them.
      forks_.left(p).unlock();
      weft::this_thread::yield();
    }
  }
  void put_down(int p) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    forks_.right(p).unlock();
    forks_.left(p).unlock();
  }

 private:
  forks forks_;
};

// The monitor solution (Dijkstra): each philosopher's state under one
// mutex; a philosopher eats only when neither neighbour eats, and waits on
// their own condition variable until a neighbour lets them.
class monitor {
 public:
  explicit monitor(int seats)
      : seats_(seats),
        states_(static_cast<std::size_t>(seats)),
        may_eat_(static_cast<std::size_t>(seats)) {}

  void pick_up(int p) {
    std::unique_lock lock(m_);
    state_of(p).set(state::hungry);
    serve_if_possible(p);
    // No fork is held while waiting, so there is no cycle of holders; the
    // wait ends when serve_if_possible (here or in a neighbour's put_down)
    // has made p eat.
    may_eat_[static_cast<std::size_t>(p)].wait(
        lock, [this, p] { return state_of(p).get() == state::eating; });
  }

  void put_down(int p) {
    const std::lock_guard lock(m_);
    state_of(p).set(state::thinking);
    // The forks just freed may let a hungry neighbour eat.
    serve_if_possible(left_neighbour(p, seats_));
    serve_if_possible(right_neighbour(p, seats_));
  }

 private:
  enum class state { thinking, hungry, eating };

  [[nodiscard]] weft::shared<state>& state_of(int p) {
    return states_[static_cast<std::size_t>(p)];
  }

  // Requires m_. Makes p eat if p is hungry and both forks are free, i.e.
  // neither neighbour eats.
  void serve_if_possible(int p) {
    if (state_of(p).get() == state::hungry &&
        state_of(left_neighbour(p, seats_)).get() != state::eating &&
        state_of(right_neighbour(p, seats_)).get() != state::eating) {
      state_of(p).set(state::eating);
      may_eat_[static_cast<std::size_t>(p)].notify_one();
    }
  }

  int seats_;
  weft::mutex m_;
  std::vector<weft::shared<state>> states_;
  std::vector<weft::condition_variable> may_eat_;
};

}  // namespace weft::scenarios::philosophers
