import type { TelegramSimulator } from "./simulator.js";
import type { MessageOptions, SimUpdate } from "./world.js";

const TEXTS = [
  "/report@sluice_sim_bot vendas de hoje 📈",
  "Bom dia, equipe! ☀️",
  "مرحبا 👋🏽 שלום /help@sluice_sim_bot",
  "Preço: R$ 1.234,56 — ação às 23h",
  "emoji family 👨‍👩‍👧‍👦 and flags 🇧🇷🇵🇹",
  "日本語のテキスト、中文文本",
  "quotes \"double\" and 'single', back\\slash, tab\tand newline\nsecond line",
  "עברית מימין לשמאל",
];
const CAPTIONS = ["Nota fiscal #recibo de março", "📷 foto da reunião", "صورة الفاتورة"];
const STICKERS = ["😂", "👍", "🔥", "🇧🇷"];

/**
 * Produces `count` updates of mixed types in a group and a channel: texts (unicode, emoji,
 * RTL), photos with and without captions, stickers, edits, channel posts, edited channel posts
 * and a few updates that carry no message (callback queries). Deterministic for a given count.
 */
export function mixedUpdates(sim: TelegramSimulator, count: number, o: MessageOptions = {}): SimUpdate[] {
  const group = sim.group("Vendas SP 🇧🇷");
  const channel = sim.group("Acme Avisos", "channel");
  const users = [
    sim.user({ first_name: "Ana", username: "ana_vendas", language_code: "pt-br" }),
    sim.user({ first_name: "João" }),
    sim.user({ first_name: "نور", language_code: "ar" }),
    sim.user({ first_name: "Helper", username: "helper_bot", is_bot: true }),
  ];
  const out: SimUpdate[] = [];
  let lastMessage: SimUpdate | undefined;
  let lastPost: SimUpdate | undefined;
  for (let i = 0; out.length < count; i++) {
    const user = users[i % users.length]!;
    let u: SimUpdate;
    switch (i % 10) {
      case 3:
        u = sim.sendPhoto(user, group, i % 20 === 3 ? undefined : CAPTIONS[i % CAPTIONS.length], o);
        break;
      case 5:
        u = sim.sendSticker(user, group, STICKERS[i % STICKERS.length]!, o);
        break;
      case 6:
        u = lastMessage
          ? sim.editText(lastMessage, `${TEXTS[(i + 1) % TEXTS.length]} (editado)`, o)
          : sim.sendText(user, group, "x", o);
        break;
      case 7:
        if (lastPost && i % 20 === 7) u = sim.editText(lastPost, "Manutenção adiada ⏰", o);
        else {
          u = sim.channelPost(channel, `Aviso ${i}: manutenção às 23h`, o);
          lastPost = u;
        }
        break;
      case 9:
        u =
          i % 30 === 9
            ? sim.emit("callback_query", { id: String(i), from: user, chat_instance: "42", data: "ok" })
            : sim.sendText(user, group, TEXTS[i % TEXTS.length]!, o);
        break;
      default:
        u = sim.sendText(user, group, `${TEXTS[i % TEXTS.length]} #${i}`, o);
        lastMessage = u;
    }
    out.push(u);
  }
  return out;
}
