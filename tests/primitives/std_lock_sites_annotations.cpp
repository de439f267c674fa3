// The std guards of weft locks under clang's thread-safety analysis. Unlike
// the other test files, this one is compiled with -Wthread-safety-analysis
// (see CMakeLists.txt), so a wrong annotation in
// weft/internal/std_lock_sites.hpp fails the clang build: the uses below are
// the ones the analysis must accept, on data it checks. They also run.
#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "weft/internal/thread_annotations.hpp"
#include "weft/mutex.hpp"
#include "weft/shared_mutex.hpp"

using namespace std::chrono_literals;

namespace {

class account {
 public:
  void deposit(int amount) {
    const std::lock_guard guard(m_);
    balance_ += amount;
  }

  void deposit_scoped(int amount) {
    const std::scoped_lock guard(m_);
    balance_ += amount;
  }

  // Released and retaken in the guard's scope.
  void deposit_twice(int amount) {
    std::unique_lock lock(m_);
    balance_ += amount;
    lock.unlock();
    lock.lock();
    balance_ += amount;
  }

  // A deferred guard's try_lock(): the analysis follows its result.
  bool try_deposit(int amount) {
    std::unique_lock lock(m_, std::defer_lock);
    if (!lock.try_lock()) return false;
    balance_ += amount;
    return true;
  }

  bool try_deposit_for(int amount) {
    std::unique_lock lock(m_, std::defer_lock);
    if (!lock.try_lock_for(1ms)) return false;
    balance_ += amount;
    return true;
  }

  // Taken with the mutex's own call, handed to a guard.
  void deposit_adopted(int amount) {
    m_.lock();
    const std::lock_guard guard(m_, std::adopt_lock);
    balance_ += amount;
  }

  // Guards the analysis cannot follow (try_to_lock, a timeout, a move, the
  // default constructor) still compile: they count as holding nothing.
  bool could_lock() {
    bool tried = false;
    {
      const std::unique_lock attempt(m_, std::try_to_lock);
      tried = attempt.owns_lock();
    }
    std::unique_lock<weft::mutex> target;
    std::unique_lock source(m_, 1ms);
    target = std::move(source);
    const std::unique_lock moved(std::move(target));
    return tried && moved.owns_lock();
  }

  int balance() {
    const std::lock_guard guard(m_);
    return balance_;
  }

 private:
  weft::mutex m_;
  int balance_ WEFT_GUARDED_BY(m_) = 0;
};

class ledger {
 public:
  void append(int entry) {
    const std::unique_lock lock(m_);
    last_ = entry;
    ++entries_;
  }

  int last() {
    const std::shared_lock lock(m_);
    return last_;
  }

  int entries_twice() {
    std::shared_lock lock(m_);
    const int first = entries_;
    lock.unlock();
    lock.lock();
    return first + entries_;
  }

  int entries_if_free() {
    std::shared_lock lock(m_, std::defer_lock);
    if (!lock.try_lock()) return -1;
    return entries_;
  }

  int entries_adopted() {
    m_.lock_shared();
    const std::shared_lock lock(m_, std::adopt_lock);
    return entries_;
  }

 private:
  weft::shared_mutex m_;
  int last_ WEFT_GUARDED_BY(m_) = 0;
  int entries_ WEFT_GUARDED_BY(m_) = 0;
};

}  // namespace

TEST_CASE("std guards of weft locks as clang's thread-safety analysis sees them",
          "[std_lock_sites]") {
  account a;
  a.deposit(1);
  a.deposit_scoped(2);
  a.deposit_twice(3);
  CHECK(a.try_deposit(4));
  CHECK(a.try_deposit_for(5));
  a.deposit_adopted(6);
  CHECK(a.balance() == 1 + 2 + 3 + 3 + 4 + 5 + 6);
  CHECK(a.could_lock());

  ledger l;
  l.append(7);
  l.append(8);
  CHECK(l.last() == 8);
  CHECK(l.entries_twice() == 4);
  CHECK(l.entries_if_free() == 2);
  CHECK(l.entries_adopted() == 2);
}
