// A misuse handler for tests: records reports instead of aborting.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "weft/misuse.hpp"

namespace weft::testing {

// Installs itself as the process's misuse handler for its lifetime and
// records every report. Not nestable.
class misuse_recorder {
 public:
  misuse_recorder() { previous_ = set_misuse_handler(&record); }
  ~misuse_recorder() {
    set_misuse_handler(previous_);
    std::lock_guard guard(lock_);
    reports_.clear();
  }
  misuse_recorder(const misuse_recorder&) = delete;
  misuse_recorder& operator=(const misuse_recorder&) = delete;

  [[nodiscard]] std::vector<std::string> reports() const {
    std::lock_guard guard(lock_);
    return reports_;
  }

 private:
  static void record(const misuse_report& report) {
    std::lock_guard guard(lock_);
    reports_.push_back(format_misuse(report));
  }

  inline static std::mutex lock_;
  inline static std::vector<std::string> reports_;
  misuse_handler previous_ = nullptr;
};

}  // namespace weft::testing
