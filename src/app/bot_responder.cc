#include "app/bot_responder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>

#include "core/clock.h"
#include "handoff/routing.h"

namespace kefu::app {
namespace {

constexpr size_t kMaxCachedStates = 100000;  // beyond: states are read back from the store
constexpr int kStateSearch = 50;             // messages looked back for the last state

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "zh-CN" → zh / Simplified, "zh-TW", "zh-HK", "zh-Hant" → zh / Traditional,
// "en-GB" → en.
std::pair<std::string, text::Variant> LocaleOf(std::string_view tag) {
  std::string lang(tag.substr(0, tag.find_first_of("-_")));
  std::transform(lang.begin(), lang.end(), lang.begin(), [](unsigned char c) { return std::tolower(c); });
  text::Variant v = text::Variant::kSimplified;
  if (lang == "zh") {
    std::string rest(tag.size() > 2 ? tag.substr(3) : "");
    std::transform(rest.begin(), rest.end(), rest.begin(), [](unsigned char c) { return std::tolower(c); });
    if (rest == "tw") v = text::Variant::kTaiwan;
    if (rest == "hk" || rest == "mo") v = text::Variant::kHongKong;
    if (rest == "hant") v = text::Variant::kTraditional;
  }
  return {lang, v};
}

std::vector<std::string> AttachmentIds(const std::string& json) {
  std::vector<std::string> ids;
  Json a = Json::parse(json, nullptr, false);
  if (!a.is_array()) return ids;
  for (const Json& id : a) {
    if (id.is_number_integer()) ids.push_back(std::to_string(id.get<int64_t>()));
    if (id.is_string()) ids.push_back(id.get<std::string>());
  }
  return ids;
}

}  // namespace

BotResponder::BotResponder(std::unique_ptr<BotRuntime> runtime, store::Store* store,
                           Executor* executor, std::function<bool(int64_t)> agents_online,
                           std::function<bool(int64_t, const std::string&)> queue_open)
    : runtime_(std::move(runtime)),
      store_(store),
      executor_(executor),
      agents_online_(std::move(agents_online)),
      queue_open_(std::move(queue_open)) {
  bot_ = runtime_->bot;
  loaded_at_ = NowMillis();
}

BotResponder::~BotResponder() = default;

static std::string EditsKey(int64_t tenant_id) { return "bot.faq_answers." + std::to_string(tenant_id); }

std::shared_ptr<const dialog::Bot> BotResponder::CurrentBot(int64_t tenant_id) const {
  std::unique_lock lock(bot_mu_);
  const TenantBot& t = Tenant(tenant_id, lock);
  return t.bot ? t.bot : bot_;
}

const BotResponder::TenantBot& BotResponder::Tenant(int64_t tenant_id,
                                                    std::unique_lock<std::mutex>& lock) const {
  auto it = tenants_.find(tenant_id);
  if (it != tenants_.end()) return it->second;
  lock.unlock();
  auto stored = store_->GetSetting(EditsKey(tenant_id));
  Json edits = Json::object();
  if (stored.ok()) {
    Json j = Json::parse(*stored, nullptr, false);
    if (j.is_object()) edits = std::move(j);
  }
  lock.lock();
  if (!stored.ok() && stored.status().code() != Code::kNotFound) {
    // Not remembered: the next turn reads again rather than forget the edits.
    spdlog::warn("tenant={} FAQ edits not read ({}); the package's answers for now", tenant_id,
                 stored.status().ToString());
    static const TenantBot kNone;
    return kNone;
  }
  auto [pos, inserted] = tenants_.try_emplace(tenant_id);
  if (inserted) {
    pos->second.edits = std::move(edits);
    if (!pos->second.edits.empty()) pos->second.bot = Overlay(*bot_, pos->second.edits);
  }
  return pos->second;
}

std::shared_ptr<const dialog::Bot> BotResponder::Overlay(const dialog::Bot& base,
                                                         const Json& edits) {
  std::map<std::string, dialog::LocalizedText> answers;
  for (const auto& [id, e] : edits.items()) {
    const Json* a = e.is_object() && e.contains("answer") ? &e["answer"] : nullptr;
    if (a == nullptr || !a->is_object()) continue;
    for (const auto& [lang, text] : a->items()) {
      if (text.is_string()) answers[id][lang] = text.get<std::string>();
    }
  }
  return base.WithFaqAnswers(answers);
}

Json BotResponder::FaqJson(const dialog::FaqDefinition& f, const Json& edits) const {
  Json questions = Json::object();
  for (const auto& [lang, qs] : f.questions) questions[lang] = qs;
  Json answer = Json::object();
  for (const auto& [lang, text] : f.answer) answer[lang] = text;
  Json j{{"id", f.id},         {"tags", f.tags},    {"locked", f.locked},
         {"questions", questions}, {"answer", answer}, {"edited", false}};
  if (auto it = edits.find(f.id); it != edits.end() && it->is_object()) {
    j["edited"] = true;
    j["updated_at"] = it->value("updated_at", int64_t{0});
    j["updated_by"] = it->value("updated_by", "");
  }
  return j;
}

Result<Json> BotResponder::ListFaq(int64_t tenant_id) const {
  std::shared_ptr<const dialog::Bot> bot;
  Json edits;
  {
    std::unique_lock lock(bot_mu_);
    const TenantBot& t = Tenant(tenant_id, lock);
    bot = t.bot ? t.bot : bot_;
    edits = t.edits;
  }
  Json out = Json::array();
  for (const auto& f : bot->package().faq) out.push_back(FaqJson(f, edits));
  return out;
}

Result<Json> BotResponder::EditFaqAnswers(int64_t tenant_id, const Json& answers,
                                          const std::string& by) {
  constexpr size_t kMaxEntries = 1000;
  constexpr size_t kMaxAnswerBytes = 16000;
  if (!answers.is_object() || answers.empty() || answers.size() > kMaxEntries) {
    return Status::InvalidArgument("answers: an object of 1 to 1000 FAQ entries, {id: {language: text}}");
  }
  std::lock_guard one_at_a_time(edit_mu_);
  std::shared_ptr<const dialog::Bot> base;
  Json merged;
  {
    std::unique_lock lock(bot_mu_);
    merged = Tenant(tenant_id, lock).edits;
    base = bot_;
  }
  const dialog::BotPackage& pkg = base->package();
  const int64_t now = NowMillis();
  for (const auto& [id, langs] : answers.items()) {
    if (pkg.FindFaq(id) == nullptr) return Status::NotFound("no FAQ entry \"" + id + "\"");
    if (!langs.is_object() || langs.empty()) {
      return Status::InvalidArgument("\"" + id + "\": {language: text}");
    }
    for (const auto& [lang, text] : langs.items()) {
      if (std::find(pkg.languages.begin(), pkg.languages.end(), lang) == pkg.languages.end()) {
        return Status::InvalidArgument("\"" + id + "\": the bot does not speak \"" + lang + "\"");
      }
      if (!text.is_string() ||
          text.get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos ||
          text.get<std::string>().size() > kMaxAnswerBytes) {
        return Status::InvalidArgument("\"" + id + "\" (" + lang +
                                       "): the answer is a text of 1 to 4000 characters");
      }
      merged[id]["answer"][lang] = text;
    }
    merged[id]["updated_at"] = now;
    merged[id]["updated_by"] = by;
  }
  std::promise<Status> written;
  store_->PutSetting(EditsKey(tenant_id), DumpJson(merged),
                     [&written](Status s) { written.set_value(std::move(s)); });
  if (Status s = written.get_future().get(); !s.ok()) return s;
  std::shared_ptr<const dialog::Bot> bot = Overlay(*base, merged);
  {
    std::lock_guard lock(bot_mu_);
    TenantBot& t = tenants_[tenant_id];
    t.edits = merged;
    // A reload that finished meanwhile brought a new base: lay the edits on it.
    t.bot = bot_ == base ? bot : Overlay(*bot_, merged);
    bot = t.bot;
  }
  spdlog::info("tenant={} {} FAQ answer(s) edited by {}", tenant_id, answers.size(), by);
  Json out = Json::array();
  for (const auto& [id, langs] : answers.items()) {
    if (const auto* f = bot->package().FindFaq(id)) out.push_back(FaqJson(*f, merged));
  }
  return out;
}

Result<Json> BotResponder::SearchKnowledge(int64_t tenant_id, std::string_view query,
                                           std::string_view language, int k) const {
  auto bot = CurrentBot(tenant_id);
  const dialog::BotPackage& pkg = bot->package();
  const kb::KnowledgeBase& kb = bot->understanding().knowledge_base();
  std::string lang(language);
  if (lang.empty()) {
    lang = bot->understanding().analyzer().DetectLanguage(query, pkg.default_language);
  }
  Json out = Json::array();
  for (const kb::Hit& h : kb.Search(query, lang, k)) {
    Json j{{"kind", h.kind == kb::HitKind::kFaq ? "faq" : "article"},
           {"id", h.id},
           {"title", h.matched},
           {"probability", h.probability},
           {"locked", h.locked}};
    if (h.kind == kb::HitKind::kFaq) {
      if (const auto* f = pkg.FindFaq(h.id)) {
        auto it = f->answer.find(lang);
        if (it == f->answer.end()) it = f->answer.find(pkg.default_language);
        j["text"] = it == f->answer.end() ? "" : it->second;
      }
    } else {
      const auto& chunks = kb.ChunksOf(h.id);
      j["chunk"] = h.chunk;
      if (h.chunk >= 0 && static_cast<size_t>(h.chunk) < chunks.size()) {
        j["text"] = chunks[static_cast<size_t>(h.chunk)].text;
      }
    }
    out.push_back(std::move(j));
  }
  return out;
}

std::optional<conversation::Reply> BotResponder::Greeting(const store::Conversation& c) {
  auto bot = CurrentBot(c.tenant_id);
  auto [language, variant] = LocaleOf(c.language);
  const auto& languages = bot->package().languages;
  if (std::find(languages.begin(), languages.end(), language) == languages.end()) language.clear();
  conversation::Reply r;
  r.text = bot->Greeting(language, variant);
  if (r.text.empty()) return std::nullopt;
  dialog::DialogState state;
  state.language = language.empty() ? bot->package().default_language : language;
  state.variant = variant;
  r.payload_json = DumpJson(Json{{"nlu", {{"policy", "greeting"}}}, {"dialog", state.ToJson()}});
  return r;
}

void BotResponder::Respond(const conversation::Turn& turn, conversation::RespondCallback done) {
  {
    std::lock_guard lock(mu_);
    Slot& slot = slots_[turn.conversation.id];
    if (slot.busy) {
      slot.waiting.push_back({turn, std::move(done)});
      return;
    }
    slot.busy = true;
  }
  Run({turn, std::move(done)});
}

void BotResponder::Run(Pending p) {
  std::optional<dialog::DialogState> cached;
  {
    std::lock_guard lock(mu_);
    cached = std::move(slots_[p.turn.conversation.id].state);
  }
  dialog::DialogState state = cached ? std::move(*cached) : LoadState(p.turn);
  dialog::BotMessage message{p.turn.message.text, AttachmentIds(p.turn.message.attachments_json),
                             p.turn.message.created_at};
  const int64_t conversation_id = p.turn.conversation.id;
  const int64_t tenant_id = p.turn.conversation.tenant_id;
  auto bot = CurrentBot(tenant_id);
  if (!bot->package().handoff.vip_tiers.empty()) message.contact_tier = ContactTier(p.turn);
  bot->Respond(std::move(state), std::move(message),
               [this, bot, conversation_id, tenant_id,
                done = std::move(p.done)](dialog::TurnResult r) {
                 std::string queue = r.handoff_queue.empty() ? handoff::kDefaultQueue : r.handoff_queue;
                 bool follow_up = false;
                 if (!r.handoff_reason.empty()) {
                   // Outside the queue's business hours, or nobody to take
                   // it now: say so honestly; the conversation waits in line,
                   // marked for a follow-up.
                   if (queue_open_ && !queue_open_(tenant_id, queue)) {
                     std::string notice = bot->HandoffClosed(r.state);
                     if (!notice.empty()) r.replies.push_back(std::move(notice));
                     r.annotations["business_hours"] = "closed";
                     follow_up = true;
                   } else if (agents_online_ && !agents_online_(tenant_id)) {
                     std::string notice = bot->HandoffOffline(r.state);
                     if (!notice.empty()) r.replies.push_back(std::move(notice));
                     r.annotations["agents_online"] = false;
                     follow_up = true;
                   }
                 }
                 std::vector<conversation::Reply> replies;
                 const std::string nlu = DumpJson(Json{{"nlu", r.annotations}});
                 for (std::string& text : r.replies) {
                   replies.push_back({std::move(text), nlu, std::nullopt, {}});
                 }
                 if (replies.empty()) {
                   // Nothing to say still moves the state on: keep it.
                   replies.push_back({"", nlu, std::nullopt, {}});
                 }
                 conversation::Reply& last = replies.back();
                 Json last_payload{{"nlu", r.annotations}, {"dialog", r.state.ToJson()}};
                 if (!r.quick_replies.empty()) last_payload["quick_replies"] = r.quick_replies;
                 last.payload_json = DumpJson(last_payload);
                 if (!r.handoff_reason.empty()) {
                   const Json emotion = r.annotations.value("emotion", Json::object());
                   const std::string label = emotion.value("label", "");
                   const double distress =
                       label == "anger" || label == "anxiety" || label == "sadness"
                           ? emotion.value("intensity", 0.0)
                           : 0.0;
                   const int priority =
                       handoff::HandoffPriority(r.handoff_priority, r.vip, distress);
                   last.set_status = "queued";
                   last.set_queue = queue;
                   last.set_handoff_reason = r.handoff_reason;
                   last.set_priority = priority;
                   last.set_follow_up = follow_up;
                   Json event{{"reason", r.handoff_reason},
                              {"queue", queue},
                              {"priority", priority},
                              {"follow_up", follow_up},
                              {"intent", r.annotations.value("intent", "")},
                              {"emotion", r.annotations.value("emotion", Json::object())},
                              {"language", r.state.language},
                              {"slots", r.state.slots}};
                   last.events.push_back({kHandoffRequested, DumpJson(event)});
                 }
                 if (last.text.empty()) replies.clear();
                 Finish(conversation_id, std::move(r.state));
                 done(std::move(replies));
               });
}

std::string BotResponder::ContactTier(const conversation::Turn& turn) const {
  int64_t contact_id = turn.conversation.contact_id;
  if (contact_id == 0) {
    auto c = store_->GetConversation(turn.conversation.tenant_id, turn.conversation.id);
    if (!c.ok()) return "";
    contact_id = c->contact_id;
  }
  auto contact = store_->GetContact(turn.conversation.tenant_id, contact_id);
  if (!contact.ok()) return "";
  Json attributes = Json::parse(contact->attributes_json, nullptr, false);
  if (!attributes.is_object()) return "";
  auto tier = attributes.find("tier");
  return tier != attributes.end() && tier->is_string() ? tier->get<std::string>() : "";
}

void BotResponder::Finish(int64_t conversation_id, dialog::DialogState state) {
  std::optional<Pending> next;
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(conversation_id);
    if (it == slots_.end()) return;
    Slot& slot = it->second;
    if (!slot.waiting.empty()) {
      slot.state = std::move(state);
      next = std::move(slot.waiting.front());
      slot.waiting.pop_front();
    } else if (slots_.size() > kMaxCachedStates) {
      slots_.erase(it);  // stored with the reply: read back on the next turn
    } else {
      slot.state = std::move(state);
      slot.busy = false;
    }
  }
  // The next message of this conversation, after this turn's replies were
  // handed over (the caller stores them in order).
  if (next) {
    executor_->PostOrdered(static_cast<uint64_t>(conversation_id),
                           [this, p = std::move(*next)]() mutable { Run(std::move(p)); });
  }
}

dialog::DialogState BotResponder::LoadState(const conversation::Turn& turn) const {
  const store::Message& q = turn.message;
  const int64_t from = std::max<int64_t>(0, q.seq - kStateSearch);
  auto msgs = store_->ReadMessages(q.tenant_id, q.conversation_id, from,
                                   static_cast<int>(q.seq - from));
  if (msgs.ok()) {
    for (auto it = msgs->rbegin(); it != msgs->rend(); ++it) {
      if (it->sender != store::Sender::kBot || it->seq >= q.seq) continue;
      Json payload = Json::parse(it->payload_json, nullptr, false);
      if (payload.is_object() && payload.contains("dialog")) {
        return dialog::DialogState::FromJson(payload["dialog"]);
      }
    }
  } else {
    spdlog::warn("conv={} dialogue state not read ({}); starting afresh", q.conversation_id,
                 msgs.status().ToString());
  }
  dialog::DialogState fresh;
  if (!turn.conversation.language.empty()) {
    auto [language, variant] = LocaleOf(turn.conversation.language);
    fresh.variant = variant;
  }
  return fresh;
}

Json BotResponder::Describe() const {
  std::lock_guard lock(bot_mu_);
  const dialog::BotPackage& p = bot_->package();
  Json name = Json::object();
  for (const auto& [lang, text] : p.name) name[lang] = text;
  return Json{{"kind", "bot"},
              {"dir", p.dir},
              {"name", name},
              {"languages", p.languages},
              {"intents", p.intents.size()},
              {"faq", p.faq.size()},
              {"flows", p.flows.size()},
              {"loaded_at", loaded_at_},
              {"reloads", reloads_}};
}

Result<Json> BotResponder::Reload() {
  std::lock_guard one_at_a_time(reload_mu_);
  auto started = std::chrono::steady_clock::now();
  auto bot = runtime_->BuildBot();
  if (!bot.ok()) return bot.status();
  {
    std::lock_guard lock(bot_mu_);
    bot_ = std::move(*bot);
    for (auto& [tenant, t] : tenants_) {
      if (!t.edits.empty()) t.bot = Overlay(*bot_, t.edits);
    }
    loaded_at_ = NowMillis();
    ++reloads_;
  }
  spdlog::info("bot package {} reloaded in {} ms", runtime_->options.bot_dir,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());
  return Describe();
}

Json BotResponder::Suggest(const store::Conversation& conversation,
                           const store::Message& message) const {
  constexpr int kSuggestions = 3;
  if (message.text.empty()) return nullptr;
  text::ReplyLocale locale;
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(conversation.id);
    if (it != slots_.end() && it->second.state) {
      locale = {it->second.state->language, it->second.state->variant};
    }
  }
  if (locale.language.empty() && !conversation.language.empty()) {
    auto [language, variant] = LocaleOf(conversation.language);
    locale = {language, variant};
  }
  dialog::Assist a = CurrentBot(conversation.tenant_id)->Suggest(message.text, locale, kSuggestions, NowMillis());
  Json suggestions = Json::array();
  for (const auto& s : a.suggestions) {
    suggestions.push_back({{"kind", s.kind},
                           {"id", s.id},
                           {"title", s.title},
                           {"text", s.text},
                           {"confidence", s.confidence},
                           {"locked", s.locked}});
  }
  Json entities = Json::array();
  for (const auto& e : a.entities) {
    entities.push_back({{"name", e.name}, {"value", e.value}, {"text", e.text}});
  }
  Json intent = nullptr;
  if (!a.intent.empty()) intent = {{"name", a.intent}, {"confidence", a.intent_confidence}};
  return Json{{"seq", message.seq},
              {"language", a.language},
              {"intent", std::move(intent)},
              {"out_of_scope", a.out_of_scope},
              {"emotion",
               {{"label", std::string(nlu::EmotionName(a.emotion.label))},
                {"intensity", a.emotion.intensity}}},
              {"entities", std::move(entities)},
              {"suggestions", std::move(suggestions)}};
}

size_t BotResponder::CachedStates() const {
  std::lock_guard lock(mu_);
  return slots_.size();
}

Result<std::unique_ptr<conversation::Responder>> MakeBotResponder(
    const BotRuntimeOptions& options, boost::asio::any_io_executor io, store::Store* store,
    Executor* executor, std::function<bool(int64_t)> agents_online,
    std::function<bool(int64_t, const std::string&)> queue_open) {
  auto started = std::chrono::steady_clock::now();
  auto runtime = StartBotRuntime(options, io);
  if (!runtime.ok()) return runtime.status();
  const dialog::BotPackage& p = (*runtime)->bot->package();
  spdlog::info("bot {} ready in {} ms: {} intents, {} FAQ entries, {} flows{}", options.bot_dir,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count(),
               p.intents.size(), p.faq.size(), p.flows.size(),
               (*runtime)->orders ? ", demo order service on port " +
                                        std::to_string((*runtime)->orders->port())
                                  : std::string());
  return std::unique_ptr<conversation::Responder>(
      std::make_unique<BotResponder>(std::move(*runtime), store, executor,
                                     std::move(agents_online), std::move(queue_open)));
}

}  // namespace kefu::app
