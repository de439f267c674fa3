// The readers-writer locks of the readers_writers scenario, hand-written
// from a weft::mutex and a weft::condition_variable_any. Each has the
// interface of std::shared_mutex: lock_shared/unlock_shared for readers,
// lock/unlock for writers. (The scenario's third lock is weft::shared_mutex
// itself.)
#pragma once

#include "weft/condition_variable.hpp"
#include "weft/internal/thread_annotations.hpp"
#include "weft/mutex.hpp"

namespace weft::scenarios::readers_writers {

// Readers enter whenever no writer is inside, even while a writer waits. As
// long as some reader is inside, the reader count never drops to zero and
// the waiting writer never gets in: with readers that keep coming, the
// writer starves.
class reader_preference_lock {
 public:
  void lock_shared() {
    m_.lock();
    while (writing_)  // BUG: a waiting writer does not hold new readers back
      changed_.wait(m_);
    ++readers_;
    m_.unlock();
  }

  void unlock_shared() {
    m_.lock();
    const bool last = --readers_ == 0;
    m_.unlock();
    if (last) changed_.notify_all();  // the last reader out: a writer may enter
  }

  void lock() {
    m_.lock();
    while (writing_ || readers_ > 0)  // waits for a moment with no reader inside
      changed_.wait(m_);
    writing_ = true;
    m_.unlock();
  }

  void unlock() {
    m_.lock();
    writing_ = false;
    m_.unlock();
    changed_.notify_all();
  }

 private:
  weft::mutex m_;
  weft::condition_variable_any changed_;
  int readers_ = 0;       // guarded by m_: readers inside
  bool writing_ = false;  // guarded by m_: a writer inside
};

// As reader_preference_lock, but a waiting writer holds new readers back:
// the readers inside drain, and the writer gets in. (With writers that keep
// coming it is the readers who starve; weft::shared_mutex alternates
// between the two sides instead.)
class writer_preference_lock {
 public:
  void lock_shared() {
    m_.lock();
    while (writing_ || writers_waiting_ > 0)  // FIX: queue behind a waiting writer
      changed_.wait(m_);
    ++readers_;
    m_.unlock();
  }

  void unlock_shared() {
    m_.lock();
    const bool last = --readers_ == 0;
    m_.unlock();
    if (last) changed_.notify_all();
  }

  void lock() {
    m_.lock();
    ++writers_waiting_;
    while (writing_ || readers_ > 0)
      changed_.wait(m_);
    --writers_waiting_;
    writing_ = true;
    m_.unlock();
  }

  void unlock() {
    m_.lock();
    writing_ = false;
    m_.unlock();
    changed_.notify_all();  // the queued readers, or the next writer
  }

 private:
  weft::mutex m_;
  weft::condition_variable_any changed_;
  int readers_ = 0;          // guarded by m_: readers inside
  int writers_waiting_ = 0;  // guarded by m_: writers waiting to enter
  bool writing_ = false;     // guarded by m_: a writer inside
};

// Only writers lock: readers take nothing, on the theory that reading
// cannot hurt. It can: a reader can see a record the writer has half
// updated.
class writers_only_lock {
 public:
  void lock_shared() {}    // BUG: a reader does not keep the writer out
  void unlock_shared() {}  // (nothing to release)

  void lock() WEFT_ACQUIRE(m_) { m_.lock(); }
  void unlock() WEFT_RELEASE(m_) { m_.unlock(); }

 private:
  weft::mutex m_;
};

}  // namespace weft::scenarios::readers_writers
