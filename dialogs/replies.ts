/**
 * Channel-neutral replies. Dialogs say WHAT to show with these structures; a renderer per channel
 * (bot/render/*) decides HOW: buttons and forms in the web chat, Adaptive Cards in Teams, numbered
 * text choices, template cards or menu messages in WeCom. Every text here is already localized.
 *
 * What every channel needs is carried here by construction:
 * - each action has a stable machine `value` (pressed button / card submit) AND a short `label`
 *   (<= 20 characters, fits a WeCom menu item or a Teams button) AND a `synonyms` list so that typed
 *   text works where a button does ("2", "下一页", "next");
 * - list pages carry their cursor inside the next/previous actions;
 * - forms carry field ids, kinds, required flags, limits and validation messages.
 */

/** What a pressed button or a submitted card sends back. `action` names the intent. */
export interface ActionValue {
  action: string;
  [key: string]: string | number | boolean | undefined;
}

export interface Choice {
  /** Short label shown on the button (<= 20 characters). */
  label: string;
  value: ActionValue;
  /** Typed inputs that mean the same as pressing it (numbers, words in both languages). */
  synonyms?: string[];
  style?: 'primary' | 'default' | 'danger';
}

export type FormField =
  | {
      id: string;
      kind: 'text' | 'textarea';
      label: string;
      required: boolean;
      maxLength: number;
      value?: string;
      placeholder?: string;
      /** A JavaScript-compatible regular expression the value must match (also used in Adaptive Cards). */
      pattern?: string;
      errorMessage: string;
    }
  | {
      id: string;
      kind: 'choice';
      label: string;
      required: boolean;
      options: { label: string; value: string }[];
      value?: string;
      errorMessage: string;
    }
  | {
      id: string;
      kind: 'rating';
      label: string;
      required: boolean;
      max: 5;
      value?: number;
      errorMessage: string;
    };

export interface TicketCardModel {
  id: string;
  number: string | null;
  title: string;
  status: string;
  /** Localized status label. */
  statusLabel: string;
  /** Label/value lines: priority, category, submitted, accepted by, reply channel, ... */
  facts: { label: string; value: string }[];
  description: string;
  /** The staff's handling reply (处理回复), once resolved. */
  resolution?: string;
  timeline: { at: string; text: string }[];
}

export interface ListItemModel {
  id: string;
  title: string;
  subtitle: string;
  /** Opens the item (e.g. { action: 'open_ticket', ticketId }). */
  open: ActionValue;
}

export type Reply =
  | { kind: 'text'; text: string }
  | { kind: 'choices'; text: string; choices: Choice[] }
  | {
      kind: 'form';
      /** Stable id of the form (also carried in the submit value as `form`). */
      formId: string;
      title: string;
      fields: FormField[];
      submit: Choice;
      secondary?: Choice[];
    }
  | { kind: 'ticket'; ticket: TicketCardModel; actions: Choice[] }
  | {
      kind: 'list';
      title: string;
      items: ListItemModel[];
      /** "Page 2", "Showing 6-10". */
      pageLabel: string;
      /** Next/previous page and filters; each value carries the cursor. */
      navigation: Choice[];
      actions: Choice[];
      emptyText: string;
    }
  | {
      kind: 'figures';
      title: string;
      figures: { label: string; count: number; open: Choice }[];
      actions: Choice[];
    }
  | {
      kind: 'link';
      text: string;
      url: string;
      label: string;
      /** Seconds the link stays valid, to say so. */
      expiresInSeconds?: number;
    }
  | { kind: 'image'; url: string; alt: string };
