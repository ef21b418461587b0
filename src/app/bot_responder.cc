#include "app/bot_responder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "core/clock.h"

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
                           Executor* executor, std::function<bool(int64_t)> agents_online)
    : runtime_(std::move(runtime)),
      store_(store),
      executor_(executor),
      agents_online_(std::move(agents_online)) {
  bot_ = runtime_->bot;
  loaded_at_ = NowMillis();
}

BotResponder::~BotResponder() = default;

std::shared_ptr<const dialog::Bot> BotResponder::CurrentBot() const {
  std::lock_guard lock(bot_mu_);
  return bot_;
}

std::optional<conversation::Reply> BotResponder::Greeting(const store::Conversation& c) {
  auto bot = CurrentBot();
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
  auto bot = CurrentBot();
  const int64_t conversation_id = p.turn.conversation.id;
  const int64_t tenant_id = p.turn.conversation.tenant_id;
  bot->Respond(std::move(state), std::move(message),
               [this, bot, conversation_id, tenant_id,
                done = std::move(p.done)](dialog::TurnResult r) {
                 // Nobody to take the handoff now: say so honestly; the
                 // conversation waits in line for the first agent.
                 if (!r.handoff_reason.empty() && agents_online_ && !agents_online_(tenant_id)) {
                   std::string notice = bot->HandoffOffline(r.state);
                   if (!notice.empty()) r.replies.push_back(std::move(notice));
                   r.annotations["agents_online"] = false;
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
                 last.payload_json =
                     DumpJson(Json{{"nlu", r.annotations}, {"dialog", r.state.ToJson()}});
                 if (!r.handoff_reason.empty()) {
                   last.set_status = "queued";
                   Json event{{"reason", r.handoff_reason},
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
  dialog::Assist a = CurrentBot()->Suggest(message.text, locale, kSuggestions, NowMillis());
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
    Executor* executor, std::function<bool(int64_t)> agents_online) {
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
                                     std::move(agents_online)));
}

}  // namespace kefu::app
