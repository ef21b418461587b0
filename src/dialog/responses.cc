#include "dialog/responses.h"

#include "dialog/templates.h"

namespace kefu::dialog {
namespace {

struct BuiltIn {
  const char* name;
  // default (warm), formal, brief; each {zh, en}
  const char* zh[3];
  const char* en[3];
};

// Wording written for kefu. Warm: friendly, says what happens next; formal:
// polite and impersonal; brief: as short as it can be.
const BuiltIn kBuiltIns[] = {
    {"clarify",
     {"您是想问「{{option1}}」，还是「{{option2}}」呢？",
      "请问您咨询的是「{{option1}}」还是「{{option2}}」？", "「{{option1}}」还是「{{option2}}」？"},
     {"Just to be sure: do you mean \"{{option1}}\" or \"{{option2}}\"?",
      "Could you confirm whether your question is about \"{{option1}}\" or \"{{option2}}\"?",
      "\"{{option1}}\" or \"{{option2}}\"?"}},
    {"cancelled",
     {"好的，已经帮您取消啦。还有别的可以帮您吗？", "好的，该事项已取消。请问还有其他需要吗？",
      "已取消。"},
     {"OK, I've stopped that. Anything else I can help with?",
      "Understood, that request has been cancelled. Is there anything else I can do for you?",
      "Cancelled."}},
    {"nothing_to_cancel",
     {"好的～目前没有进行中的事项。还有什么可以帮您？",
      "目前没有需要取消的事项。请问还有其他需要吗？", "没有进行中的事项。"},
     {"Sure, there's nothing in progress. What else can I do for you?",
      "There is no request in progress to cancel. May I help with anything else?",
      "Nothing in progress."}},
    {"resume",
     {"我们接着刚才的事情：", "继续办理刚才的事项：", "继续："},
     {"Back to where we were:", "To continue with your earlier request:", "Continuing:"}},
    {"handoff",
     {"好的，正在为您转接人工客服，请稍等～您刚才提供的信息客服都能看到，不用再说一遍。",
      "正在为您转接人工客服，请稍候。您已提供的信息将一并转交，无需重复说明。",
      "正在转人工，请稍候。"},
     {"Sure, I'm getting a person to help you now. They'll see everything you've told me, so "
      "you won't need to repeat it.",
      "I am transferring you to a customer service agent. The details you have provided will be "
      "passed on, so there is no need to repeat them.",
      "Transferring you to a person."}},
    {"handoff_offline",
     {"不过现在没有人工客服在线（{{bot_name}}会一直在）。您可以直接在这里留言，客服上线后会第一时间接着处理，您不用再说一遍。",
      "目前暂无人工客服在线。您可以在此留言，客服上线后将第一时间跟进处理。",
      "暂无人工在线，请留言，上线后回复。"},
     {"Right now no one from our team is online, I'm afraid. Leave your message here and they "
      "will pick it up as soon as they are back, with everything you've told me.",
      "No agent is available at the moment. Please leave a message here; an agent will follow "
      "up as soon as possible.",
      "No agent online; leave a message."}},
    {"handoff_closed",
     {"不过现在是人工客服的下班时间（{{bot_name}}会一直在）。您可以直接在这里留言，客服上班后会第一时间跟进，您不用再说一遍。",
      "当前为非工作时间，人工客服暂不在线。您可以在此留言，客服上班后将第一时间跟进处理。",
      "现为非工作时间，请留言，上班后回复。"},
     {"Our team is outside its working hours right now, I'm afraid. Leave your message here and "
      "they will follow up as soon as they are back, with everything you've told me.",
      "Our agents are currently outside business hours. Please leave a message here; an agent "
      "will follow up as soon as possible.",
      "Outside business hours; leave a message."}},
    {"handoff_fallback",
     {"看来小蜜没能帮上忙，真抱歉！我这就为您转接人工客服，请稍等。",
      "抱歉未能解决您的问题，现为您转接人工客服，请稍候。", "为您转人工。"},
     {"Sorry I couldn't help with that! Let me get a person for you, one moment.",
      "I apologise for not being able to resolve this. I am transferring you to an agent.",
      "Getting you a person."}},
    {"action_failed",
     {"抱歉，系统暂时没能查到结果。我为您转接人工客服继续处理。",
      "抱歉，系统暂时无法处理该请求，现为您转接人工客服。", "系统暂时无法处理，转人工。"},
     {"Sorry, our system couldn't get that done just now. I'm passing you to a person who can.",
      "We are unable to process this request at the moment. I am transferring you to an agent.",
      "System unavailable; transferring you."}},
    {"ask_failed",
     {"看来我没能理解您的回复，我为您转接人工客服来处理。",
      "未能识别您提供的信息，现为您转接人工客服。", "未能识别，转人工。"},
     {"I'm having trouble understanding, so I'll get a person to help you.",
      "I was unable to recognise the information provided. I am transferring you to an agent.",
      "Not understood; transferring you."}},
    {"empathy_anger",
     {"非常抱歉给您带来了不好的体验，", "对于给您造成的不便，我们深表歉意。", ""},
     {"I'm really sorry about this.", "We sincerely apologise for the inconvenience.", ""}},
    {"empathy_anxiety",
     {"别着急，我马上帮您看看。", "请您放心，我们将尽快为您处理。", ""},
     {"Don't worry, let me look into it right away.",
      "Please rest assured that we will handle this promptly.", ""}},
    {"empathy_sadness",
     {"听到这个真的很抱歉。", "对此我们深感抱歉。", ""},
     {"I'm so sorry to hear that.", "We are sorry to hear that.", ""}},
};

constexpr const char* kTones[3] = {"warm", "formal", "brief"};

ResponseDefinition BuiltInDefinition(const BuiltIn& b) {
  ResponseDefinition r;
  r.name = b.name;
  r.where = {"(built in)", 0};
  r.variants["zh"] = {b.zh[0]};
  r.variants["en"] = {b.en[0]};
  for (int t = 1; t < 3; ++t) {
    r.by_tone[kTones[t]]["zh"] = {b.zh[t]};
    r.by_tone[kTones[t]]["en"] = {b.en[t]};
  }
  return r;
}

}  // namespace

const std::vector<std::string>& BuiltInResponseNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& b : kBuiltIns) n.emplace_back(b.name);
    return n;
  }();
  return names;
}

Result<Responses> Responses::Build(const BotPackage& package, std::string tone) {
  Responses out;
  out.tone_ = tone.empty() ? package.persona.tone : std::move(tone);
  if (out.tone_ != "warm" && out.tone_ != "formal" && out.tone_ != "brief") {
    return Status::InvalidArgument("tone `" + out.tone_ + "`: must be warm, formal or brief");
  }
  out.default_language_ = package.default_language;
  for (const auto& b : kBuiltIns) out.by_name_[b.name] = BuiltInDefinition(b);
  for (const auto& [name, r] : package.responses) out.by_name_[name] = r;
  std::string missing;
  for (const auto& b : kBuiltIns) {
    const auto& r = out.by_name_[b.name];
    for (const auto& lang : package.languages) {
      if (!r.variants.count(lang)) {
        missing += std::string(missing.empty() ? "" : "; ") + "response `" + b.name + "` has no `" +
                   lang + "` text: add it to responses/";
      }
    }
  }
  if (!missing.empty()) return Status::InvalidArgument(missing);
  return out;
}

std::string Responses::Pick(const ResponseDefinition& r, std::string_view language,
                            int64_t turn) const {
  const std::vector<std::string>* variants = nullptr;
  auto tone = r.by_tone.find(tone_);
  if (tone != r.by_tone.end()) {
    auto it = tone->second.find(std::string(language));
    if (it != tone->second.end()) variants = &it->second;
  }
  if (variants == nullptr) {
    auto it = r.variants.find(std::string(language));
    if (it == r.variants.end()) it = r.variants.find(default_language_);
    if (it == r.variants.end()) return "";
    variants = &it->second;
  }
  if (variants->empty()) return "";
  size_t i = static_cast<size_t>(turn < 0 ? 0 : turn) % variants->size();
  return (*variants)[i];
}

const ResponseDefinition* Responses::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &it->second;
}

std::string Responses::Render(const ResponseDefinition& r, std::string_view language, int64_t turn,
                              const Json& slots) const {
  return RenderTemplate(Pick(r, language, turn), slots, language);
}

std::string Responses::Render(std::string_view name, std::string_view language, int64_t turn,
                              const Json& slots) const {
  const ResponseDefinition* r = Find(name);
  return r == nullptr ? "" : Render(*r, language, turn, slots);
}

}  // namespace kefu::dialog
