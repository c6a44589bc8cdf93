#include "library/db.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "util/log.h"
#include "vidscribe/error.h"

namespace vidscribe::library {

namespace {
bool is_busy(int rc) { return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED; }
}  // namespace

Db::Db(const std::filesystem::path& path, bool create, double busy_timeout_s)
    : path_(path), busy_timeout_s_(busy_timeout_s) {
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    if ((rc & 0xff) == SQLITE_CANTOPEN && !create) {
      throw Error(ErrorCode::kNotFound, "no library at " + path.string() + " (vidscribe library add creates one)");
    }
    throw Error(ErrorCode::kIo, "cannot open the library " + path.string() + ": " + why);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_handler(db_, &Db::on_busy, this);
  // Reading the schema is the first access: a file that is not a database fails here.
  exec("PRAGMA foreign_keys = ON");
  Stmt probe(*this, "SELECT count(*) FROM sqlite_schema");
  probe.step();
}

Db::~Db() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

int Db::on_busy(void* self, int count) {
  auto* db = static_cast<Db*>(self);
  // Waits of 1, 2, 5, 10, 20, 50 ms, then 100 ms each, until the timeout.
  static constexpr int kSteps[] = {1, 2, 5, 10, 20, 50};
  double waited_ms = 0;
  for (int i = 0; i < count; ++i) waited_ms += i < 6 ? kSteps[i] : 100;
  if (waited_ms >= db->busy_timeout_s_ * 1000) return 0;
  if (waited_ms >= 1000 && !db->told_waiting_) {
    db->told_waiting_ = true;
    util::warn("the library " + db->path_.string() + " is busy (another vidscribe is writing to it); waiting up to " +
               std::to_string(static_cast<int>(std::lround(db->busy_timeout_s_))) + " s");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(count < 6 ? kSteps[count] : 100));
  return 1;
}

void Db::fail(int rc, const std::string& what) const {
  const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_NOTADB) {
    throw DbError(ErrorCode::kInvalidArgument, path_.string() + " is not a vidscribe library (not an SQLite database)");
  }
  if (is_busy(rc)) {
    throw DbError(ErrorCode::kIo, "the library " + path_.string() + " stayed busy (another vidscribe is writing to it); gave up after " +
                                    std::to_string(static_cast<int>(std::lround(busy_timeout_s_))) +
                                    " s (--busy-timeout waits longer)");
  }
  if ((rc & 0xff) == SQLITE_CORRUPT) {
    throw DbError(ErrorCode::kIo, "the library " + path_.string() + " is damaged: " + message);
  }
  if ((rc & 0xff) == SQLITE_FULL) {
    throw DbError(ErrorCode::kIo, "no space left for the library " + path_.string());
  }
  throw DbError(ErrorCode::kIo, "library " + path_.string() + ": " + what + ": " + message);
}

void Db::exec(std::string_view sql) {
  std::string copy(sql);
  const int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, copy.substr(0, 60));
}

int64_t Db::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

Stmt::Stmt(Db& db, std::string_view sql) : db_(&db) {
  const int rc = sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, "prepare " + std::string(sql.substr(0, 60)));
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Stmt::Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

Stmt& Stmt::bind(int i, int64_t v) {
  const int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  const int rc = sqlite3_bind_double(stmt_, i, v);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view text) {
  const int rc = sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}
Stmt& Stmt::bind_blob(int i, const void* data, size_t bytes) {
  const int rc = sqlite3_bind_blob64(stmt_, i, bytes == 0 ? "" : data, bytes, SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  const int rc = sqlite3_bind_null(stmt_, i);
  if (rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  db_->fail(rc, std::string("run ") + std::string(sqlite3_sql(stmt_)).substr(0, 60));
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::integer(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::real(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Stmt::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
std::string_view Stmt::blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(p), static_cast<size_t>(n));
}
bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}
void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace vidscribe::library
