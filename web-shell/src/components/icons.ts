import {
  Bell, Bot, CircleDot, Columns3, FileText, FlaskConical, Folder, House, Kanban, KeyRound, LayoutDashboard, ListChecks, ListPlus,
  ListTodo, Puzzle, Settings, Shapes, Shield, Table, Users, Zap, Circle, type LucideIcon,
} from 'lucide-vue-next';

// Icons plugins may name in their slot declarations (lucide, kebab-case). A curated set keeps the
// shell small; unknown names fall back to a dot.
const ICONS: Record<string, LucideIcon> = {
  bell: Bell, bot: Bot, 'circle-dot': CircleDot, 'columns-3': Columns3, 'file-text': FileText, 'flask-conical': FlaskConical,
  folder: Folder, home: House, house: House, kanban: Kanban, 'key-round': KeyRound, 'layout-dashboard': LayoutDashboard,
  'list-checks': ListChecks, 'list-plus': ListPlus, 'list-todo': ListTodo, puzzle: Puzzle, settings: Settings, shapes: Shapes,
  shield: Shield, table: Table, users: Users, zap: Zap,
};

export function iconFor(name: string | undefined): LucideIcon {
  return (name && ICONS[name]) || Circle;
}
